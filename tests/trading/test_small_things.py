"""Issue 9 item 7, the small things a clerk or a supplier stumbled on, each checked on the
pages of an inquiry walked to its acceptance: every move named in words in both languages,
money written one way, the deadline hint saying the field's time, the price field empty,
no glyph a plain font lacks, the sandbox badge on the receipt, and the custodian prompt for
custodians only. (Citations in Chinese: test_citations.py; draws: test_draw_names.py.)"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bidding.models import CustodianKey
from tests.trading.inquiry_world import (
    MONDAY,
    form_group,
    issue_notice,
    make_inquiry_world,
    settle,
    submit_quote,
    walk,
)
from trading import clock, registry
from trading.models import Notice, Transaction
from trading.procedures.inquiry import services
from trading.procedures.inquiry.models import InquiryRound

pytestmark = [pytest.mark.django_db]

# Money on a page: ¥ and digits grouped by thousands with two decimals, nothing else.
YUAN = re.compile(r"[¥￥]\s*[\d,.]+")
ONE_FORMAT = re.compile(r"¥\d{1,3}(,\d{3})*\.\d{2}")


def browser(user=None, language="zh-hans"):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def text_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def accepted():
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        walk(iw, "published")
        until = InquiryRound.objects.get(transaction=iw.tx, round=1).challenge_until
        clock.advance(until - clock.now() + timedelta(seconds=1))
        settle()
        services.inquiry_record_contract(code=iw.tx.code, user=iw.world.purchaser, amount="74800.00",
                                         signed_on=clock.now().date(),
                                         upload=SimpleUploadedFile("合同.txt", b"contract"))
        services.inquiry_record_acceptance(code=iw.tx.code, user=iw.world.purchaser, accepted_on=clock.now().date(),
                                           passed=True, remarks="", upload=SimpleUploadedFile("验收.txt", b"ok"))
        settle()
        iw.tx = Transaction.objects.get(pk=iw.tx.pk).as_procedure()
        assert iw.tx.stage == "accepted"
        yield iw


def test_the_public_timeline_names_every_move_in_words_in_both_languages(accepted):
    # The internal names that are not words of either language (submit, register are English).
    moves = {name for procedure in registry.procedures()
             for name in procedure.machine.transition_names()} | set(Transaction.transition_names())
    moves = {name for name in moves if "_" in name}
    assert "record_acceptance" in moves
    for language in ("zh-hans", "en"):
        for url in (f"/audit/transactions/{accepted.tx.code}/", f"/audit/?subject={accepted.tx.code}"):
            shown = re.sub(r"<[^>]*>", " ", text_of(browser(language=language), url))  # the text, not the markup
            raw = {name for name in moves if re.search(rf"(?<![\w/-]){name}(?![\w/-])", shown)}
            assert raw == set(), (language, url)
    english = text_of(browser(language="en"), f"/audit/transactions/{accepted.tx.code}/")
    assert "record the acceptance" in english


def test_money_is_written_one_way_on_every_page_and_notice(accepted):
    code, w = accepted.tx.code, accepted.world
    pages = [(None, f"/audit/transactions/{code}/"), (None, f"/bidding/openings/{code}/"), (None, "/"),
             (w.clerk, f"/work/transactions/{code}/"), (w.clerk, f"/work/transactions/{code}/inquiry/comparison/"),
             (w.purchaser, "/work/"), (accepted.suppliers[1][0], f"/work/transactions/{code}/")]
    pages += [(None, f"/notices/{n.pk}/") for n in Notice.objects.filter(transaction=accepted.tx, addressee=None)]
    for user, url in pages:
        page = text_of(browser(user), url)
        amounts = YUAN.findall(page)
        assert [a for a in amounts if not ONE_FORMAT.fullmatch(a.rstrip(".,"))] == [], url
    assert "¥74,800.00" in text_of(browser(w.clerk), f"/work/transactions/{code}/")
    for notice in Notice.objects.filter(transaction=accepted.tx):
        ungrouped = re.findall(r"(?<![\d,.])\d{4,}\.\d{2}(?= ?(yuan|元))", notice.body)
        assert ungrouped == [], notice.title


@pytest.fixture
def group_formed():
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        form_group(iw)
        yield iw


def test_the_deadline_hint_says_the_time_the_field_holds(group_formed):
    page = text_of(browser(group_formed.world.clerk, "en"), f"/work/transactions/{group_formed.tx.code}/")
    value = re.search(r'id="id_deadline" name="deadline" value="([^"]+)"', page).group(1)
    hint = re.search(r'id="id_deadline_help">([^<]+)<', page).group(1)
    day, time = value.split("T")
    assert f"Suggested: {day} {time}" in hint
    assert time == "09:00"  # 09:00 of the first day the rule set allows
    assert f"from {day} 00:00:00" in hint


def test_the_price_field_is_empty_with_its_example_beside_it(group_formed):
    issue_notice(group_formed, invite=3)
    page = text_of(browser(group_formed.suppliers[0][0], "en"), f"/bidding/quotes/{group_formed.tx.code}/")
    field = re.search(r'<input[^>]*id="id_price"[^>]*>', page).group(0)
    assert 'value=""' in field and "placeholder" not in field
    assert "For example 76500.00" in page


def test_no_template_or_script_uses_a_glyph_a_plain_font_lacks():
    root = Path(settings.BASE_DIR)
    files = [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html"),
             *root.glob("*/procedures/*/templates/**/*.html"), *root.glob("static/**/*.js"),
             *root.glob("static/**/*.css")]
    assert files
    # Technical symbols and emoji show as boxes on a station's PC without an emoji font (the
    # stopwatch of issue 9, U+23F1); ✓ and ✗ (Dingbats) are in the common fonts.
    odd = re.compile("[\u2300-\u23ff\u2600-\u26ff\U0001f000-\U0001faff]")
    assert [str(f.relative_to(root)) for f in files if odd.search(f.read_text(encoding="utf-8"))] == []


def test_the_receipt_of_a_sandbox_transaction_carries_the_sandbox_badge(group_formed):
    issue_notice(group_formed, invite=3)
    submit_quote(group_formed, 0, "76500.00")
    user, company = group_formed.suppliers[0]
    url = f"/bidding/quotes/{group_formed.tx.code}/receipt/?company={company.pk}"
    assert "sandbox" not in text_of(browser(user, "en"), url)
    Transaction.objects.filter(pk=group_formed.tx.pk).update(time_factor=1440)
    page = text_of(browser(user, "en"), url)
    assert "sandbox: periods compressed 1440×" in page


# --- the custodian prompt -----------------------------------------------------------------------

def home(user):
    return text_of(browser(user, "en"), "/work/")


def test_the_custodian_prompt_shows_to_custodians_only(group_formed):
    w = group_formed.world
    bidder, expert = group_formed.suppliers[0][0], group_formed.experts[0]
    for user in (bidder, expert):
        page = home(user)
        assert "/bidding/custodian/key/" not in page and "passphrase" not in page
        key_page = browser(user, "en").get("/bidding/custodian/key/")
        assert key_page.status_code == 403
        assert b"passphrase" not in key_page.content.lower() and b'name="passphrase"' not in key_page.content
    # The clerk holds a key (the world sets it): a link, no prompt to set one.
    page = home(w.clerk)
    assert "/bidding/custodian/key/" in page and "set your custodian passphrase" not in page
    # A clerk without a key yet is asked to set it, once.
    CustodianKey.objects.filter(user=w.clerk).delete()
    assert "set your custodian passphrase" in home(w.clerk)
    key_page = browser(w.clerk, "en").get("/bidding/custodian/key/")
    assert key_page.status_code == 200 and b'name="passphrase"' in key_page.content
