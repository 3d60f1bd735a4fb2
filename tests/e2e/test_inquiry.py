"""The 13 computers in a real browser, as each role meets them (issue 9): the clerk forms the
group and issues the notice (once refused), three suppliers find the specification and seal
their quotes, the custodians open them, the group assesses, the purchaser confirms the
award, the clerk publishes the result. On the way the walk checks:

* one clock: an event shows the same instant on its page, its receipt, the opening record
  and its ledger entry; nothing is opened before its deadline; the result notice is not
  dated before the deadline it cites;
* the procurement documents are reachable from the notice and the quote form, and a
  download has the SHA-256 shown;
* each person's to-dos appear when a step waits for them and go once it is made;
* every notice reaches the people it concerns by e-mail;
* every form answers by Post/Redirect/Get, and a refused one shows its error at the top and
  at the field, with what was typed;
* no move's or stage's identifier shows through untranslated, in Chinese or in English.

Screenshots go to docs/screenshots/ for the user guide."""

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from bidding.models import Bid, Draw, Opening, PanelMember
from bidding.selectors_sealed import round_of
from ledger.models import Entry
from tests.trading.inquiry_world import (
    BEIJING,
    MONDAY,
    PASSPHRASES,
    PAST_CLOSING,
    make_inquiry_world,
    settle,
)
from trading import clock, workdays
from trading.models import Notice, NoticeKind, Stage, User
from trading.procedures.inquiry.machine import Inquiry
from trading.procedures.inquiry.records import InquiryStage

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("ledger_transactional_db")]

SPECIFICATION = "电脑配置需求.txt"
SPEC_TEXT = "13台台式电脑：i5 处理器，16GB 内存，512GB 固态硬盘，23.8 英寸显示器。\n"
MINUTE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
# What must never show through untranslated: the moves' and the stages' identifiers.
MOVES = Inquiry.transition_names()
STAGES = {s.value for s in Stage} | {s.value for s in InquiryStage}


def stage(iw):
    from trading.models import Transaction

    return Transaction.objects.get(pk=iw.tx.pk).stage


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-for-tests-1")
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    assert page.url.endswith("/work/")


def post(page, selector):
    """Click a form's button and wait for the page the POST redirects to."""
    with page.expect_navigation():
        page.click(selector)


def minute(moment: datetime) -> str:
    """An instant as the pages show it: Beijing time, to the minute."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def entry(code, kind):
    row = Entry.objects.get(subject=code, kind=kind)
    return row, json.loads(bytes(row.body))


def zh(text):
    with translation.override("zh-hans"):
        return str(text)


def todos(page):
    page.goto("/work/")
    return page.inner_text("#todos")


class Navigations:
    """Every navigation response a page gets, in order: (method, status, url)."""

    def __init__(self):
        self.seen = []

    def watch(self, page):
        def record(response):
            if response.request.is_navigation_request():
                self.seen.append((response.request.method, response.status, response.url))

        page.on("response", record)
        return page

    def posts(self):
        return [(i, status, url) for i, (method, status, url) in enumerate(self.seen) if method == "POST"]


def untranslated(text, language):
    """The moves' and stages' identifiers in `text`: with an underscore in any language; a
    lone word (opened, quoting) only in Chinese, where no English word belongs."""
    words = set(re.findall(r"(?<![\w./-])[a-z]+(?:_[a-z]+)*(?![\w/-])", text))
    return sorted(w for w in words & (MOVES | STAGES) if "_" in w or language != "en")


def in_both_languages(page, live_server):
    """No identifier shows through on this page, in Chinese (the default) and in English."""
    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        page.reload()
        assert page.get_attribute("html", "lang") == language
        text = page.inner_text("body")
        assert untranslated(text, language) == [], f"{page.url} ({language})"
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}])
    page.reload()


def mails_about(subject):
    return sorted(address for m in mail.outbox if m.subject == subject for address in m.to)


def test_each_role_walks_the_inquiry_on_one_clock_with_documents_todos_notices_and_forms(
        new_page, shot, live_server, monkeypatch):
    # The ledger stamps entries with the server's real time (ledger/sequencer.py), which is the
    # platform's clock outside tests; here the platform's clock is frozen: let the ledger read it.
    monkeypatch.setattr("ledger.sequencer.clock", lambda: clock.now().astimezone(UTC))
    navigations = Navigations()

    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world(documents=[("specification", SPECIFICATION, SPEC_TEXT)])
        for user in User.objects.all():
            user.email = f"{user.username}@example.test"
            user.save(update_fields=["email"])
        email = dict(User.objects.values_list("pk", "email"))
        code = iw.tx.code

        # --- the clerk: draw, group, a refused notice, the notice --------------------------
        clerk = navigations.watch(new_page())
        log_in(clerk, iw.world.clerk)
        clerk.goto(f"/work/transactions/{code}/")
        post(clerk, "form[action$='/inquiry/draw/'] button[type=submit]")
        assert Draw.objects.filter(transaction=iw.tx, purpose="experts").exists()
        settle()  # the next checkpoint is signed: the draw is performed
        clerk.goto(f"/work/transactions/{code}/")
        post(clerk, "form[action$='/inquiry/group/'] button[type=submit]")
        assert stage(iw) == "group_formed"
        in_both_languages(clerk, live_server)
        for _user, company in iw.suppliers:
            clerk.check(f"input[name=invitees][value='{company.pk}']")
        shot(clerk, "10-clerk-inquiry-notice")

        # Refused: a deadline one working day away (the rule is 3).
        clerk.fill("#id_deadline", (MONDAY + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
        clerk.fill("#id_price_composition", "含运输、安装、税费及三年上门保修")
        post(clerk, "form[action$='/inquiry/notice/'] button[type=submit]")
        assert stage(iw) == "group_formed"
        assert clerk.url.endswith(f"/work/transactions/{code}/#form-notice"), clerk.url
        assert "/act/" not in clerk.url and "/inquiry/notice/" not in clerk.url
        assert clerk.locator("#error-summary[role=alert] a[href='#id_deadline']").count() == 1
        assert clerk.locator("#id_deadline-error").is_visible()
        assert "3" in clerk.inner_text("#id_deadline-error")
        assert clerk.input_value("#id_price_composition") == "含运输、安装、税费及三年上门保修"
        assert clerk.input_value("#id_deadline") == (MONDAY + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        for _user, company in iw.suppliers:
            assert clerk.is_checked(f"input[name=invitees][value='{company.pk}']")
        shot(clerk, "21-refused-form")

        deadline = workdays.earliest_deadline(clock.now(), 3) + timedelta(hours=9)
        clerk.fill("#id_deadline", deadline.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M"))
        post(clerk, "form[action$='/inquiry/notice/'] button[type=submit]")
        assert stage(iw) == "notice_issued"
        assert clerk.locator("#error-summary").count() == 0
        settle()  # quoting opens
        assert stage(iw) == "quoting"
        assert round_of(iw.tx).deadline == deadline

        # The notice reaches, by e-mail, the purchasers, the group, the invited suppliers and
        # the custodians.
        notice = Notice.objects.get(transaction=iw.tx, kind=NoticeKind.INQUIRY)
        concerned = {iw.world.purchaser, iw.world.clerk, iw.world.supervisor}
        concerned |= {m.user for m in PanelMember.objects.filter(transaction=iw.tx)}
        concerned |= {user for user, _company in iw.suppliers}
        assert mails_about(notice.title) == sorted(email[u.pk] for u in concerned)
        sent = next(m for m in mail.outbox if m.subject == notice.title)
        assert f"/notices/{notice.pk}/" in sent.body and notice.body in sent.body  # its documents' SHA-256 too

        # --- anyone: the notice, its documents, its deadline ----------------------------------
        public = navigations.watch(new_page())
        public.goto("/notices/")
        with public.expect_navigation():
            public.click(f"a[href='/notices/{notice.pk}/']")
        spec = public.locator("#documents tbody tr", has_text=SPECIFICATION)
        shown_sha256 = spec.locator(".hash").inner_text().strip()
        assert re.fullmatch(r"[0-9a-f]{64}", shown_sha256) and shown_sha256 in public.inner_text(".card >> nth=0")
        download = public.request.get(spec.locator("a").get_attribute("href"))
        assert download.status == 200
        assert hashlib.sha256(download.body()).hexdigest() == shown_sha256
        assert download.body().decode() == SPEC_TEXT
        assert minute(deadline) in public.inner_text("body")  # the deadline as the notice states it
        _row, issued = entry(code, "notice.published")
        assert issued["data"]["documents"] == [{"name": SPECIFICATION, "sha256": shown_sha256}]
        assert minute(datetime.fromisoformat(issued["ts"])) == minute(notice.published_at)
        assert minute(notice.published_at) in public.inner_text("body")
        shot(public, "20-public-notice-documents")
        in_both_languages(public, live_server)

        # --- three suppliers: the to-do, the message, the documents, the quote -----------------
        receipts = {}
        for index, ((user, company), price) in enumerate(zip(iw.suppliers[:3], ["76500.00", "74800.00", "77900.00"],
                                                             strict=True)):
            supplier = navigations.watch(new_page())
            log_in(supplier, user)
            with translation.override("zh-hans"):
                quote_todo = translation.gettext("submit the sealed offer of %(company)s") % {"company": company.name}
            listed = todos(supplier)
            assert quote_todo in listed and minute(deadline) in listed
            if index == 0:
                assert notice.title in supplier.inner_text("#unread")
                shot(supplier, "17-supplier-todos")
                in_both_languages(supplier, live_server)
                supplier.goto("/work/inbox/")
                shot(supplier, "18-supplier-inbox")
                with supplier.expect_navigation():
                    supplier.click(f"table a:has-text('{notice.title}') >> nth=0")
                assert minute(deadline) in supplier.inner_text("body")
                shot(supplier, "19-supplier-message")
                in_both_languages(supplier, live_server)
                supplier.goto("/work/")
            with supplier.expect_navigation():
                supplier.click(f"#todos a:has-text('{quote_todo}')")
            assert f"/bidding/quotes/{code}/" in supplier.url
            # The quote form lists the specification with the SHA-256 the notice gives.
            assert shown_sha256 in supplier.locator("#documents tbody tr", has_text=SPECIFICATION).inner_text()
            if index == 0:
                shot(supplier, "11-supplier-quote-form")
                in_both_languages(supplier, live_server)
            supplier.fill("#id_price", price)
            supplier.check("input[name=understood]")
            post(supplier, "form[action*='/bidding/quotes/'] button[type=submit]")
            supplier.wait_for_selector("text=bid receipt")
            # One instant: the receipt page, the signed receipt (UTC), the quote form.
            bid = Bid.objects.get(company=company)
            signed = supplier.inner_text("pre").strip().splitlines()
            assert signed[2] == bid.commitment
            stamped = datetime.strptime(signed[3], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
            assert stamped == bid.received_at
            received = stamped.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
            assert received in supplier.inner_text("dl.facts")
            receipts[company.pk] = (bid.commitment, received)
            if index == 0:
                shot(supplier, "12-supplier-receipt")
                in_both_languages(supplier, live_server)
            supplier.goto(f"/bidding/quotes/{code}/?company={company.pk}")
            assert received in supplier.inner_text("body")
            assert quote_todo not in todos(supplier)  # quoted: nothing waits

        # --- the deadline passes: the custodians open the quotes ------------------------------
        clock.advance(deadline - clock.now() + PAST_CLOSING)
        settle()  # the tick closes the quotes at the deadline
        assert stage(iw) == "quotes_closed"
        closed_row, closed = entry(code, "bids.closed")
        assert closed_row.ts >= deadline and closed["data"]["deadline"] == deadline.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert {c for c, _r in receipts.values()} <= set(closed["data"]["commitments"])

        open_todo = zh(Inquiry.action_label("open_quotes"))
        with translation.override("zh-hans"):
            share_todo = translation.gettext("present your custodian's share at the opening")
        listed = todos(clerk)
        assert open_todo in listed and share_todo in listed
        in_both_languages(clerk, live_server)

        clock.advance(timedelta(minutes=25))  # the custodians meet
        clerk.goto(f"/bidding/opening/{code}/")
        # Each custodian signs in with its own password on this device and decrypts its share
        # here with its passphrase: only the share goes to the server.
        for custodian, passphrase in ((iw.world.clerk, PASSPHRASES["clerk"]),
                                      (iw.world.supervisor, PASSPHRASES["supervisor"])):
            box = clerk.locator(f"fieldset[data-custodian='{custodian.pk}']")
            box.locator("[data-role=password]").fill("pw-for-tests-1")
            box.locator("[data-role=passphrase]").fill(passphrase)
            box.locator("[data-role=decrypt]").click()
            clerk.wait_for_function(
                f"document.querySelector('#id_share_{custodian.pk}').value.length == 64", timeout=60000)
            assert box.locator("[data-role=passphrase]").input_value() == ""  # wiped once used
        shot(clerk, "13-custodians-opening")
        post(clerk, "form[action*='/bidding/opening/'] button[type=submit]")
        clerk.wait_for_selector("text=74,800.00")
        assert stage(iw) == "opened"
        shot(clerk, "14-opening-record")
        listed = todos(clerk)
        assert open_todo not in listed and share_todo not in listed

        # One instant for the opening: its record's page, the ledger entry, the audit trail; and
        # not before the deadline the page shows.
        opening = Opening.objects.get(bid_round=round_of(iw.tx))
        assert opening.opened_at >= deadline
        opened_row, _opened = entry(code, "bids.opened")
        assert minute(opened_row.ts) == minute(opening.opened_at)
        public.goto(f"/bidding/openings/{code}/")
        heading = public.inner_text("h2 >> nth=0")
        assert MINUTE.search(heading).group(0) == minute(opening.opened_at)
        facts = public.inner_text("dl.facts")
        assert MINUTE.search(facts).group(0) == minute(deadline) < minute(opening.opened_at)
        for commitment, _received in receipts.values():
            assert commitment in public.inner_text("table")
        in_both_languages(public, live_server)
        public.goto(f"/audit/entries/{opened_row.seq}/")
        assert minute(opening.opened_at) in public.inner_text("dl.facts")

        # --- the group assesses and signs ------------------------------------------------------
        for number, member in enumerate(PanelMember.objects.filter(transaction=iw.tx)):
            expert = navigations.watch(new_page())
            log_in(expert, member.user)
            expert.goto(f"/work/transactions/{code}/")
            if number == 0:
                in_both_languages(expert, live_server)
            for form in range(3):
                section = expert.locator("form[action$='/inquiry/assess/']").nth(form)
                section.locator("input[value=yes]").check()
                section.locator("textarea[name=reason]").fill("满足全部技术参数")
                with expert.expect_navigation():
                    section.locator("button[type=submit]").click()
            post(expert, "form[action$='/inquiry/sign/'] button[type=submit]")
            assert PanelMember.objects.get(pk=member.pk).signed_at is not None

        clerk.goto(f"/work/transactions/{code}/inquiry/comparison/")
        shot(clerk, "15-quote-comparison")
        in_both_languages(clerk, live_server)
        clerk.goto(f"/work/transactions/{code}/")
        post(clerk, "button[value=complete_evaluation]")
        assert stage(iw) == "evaluated"
        assert "/act/" not in clerk.url

        clock.advance(timedelta(hours=2))
        # --- the purchaser confirms the award -----------------------------------------------
        confirm_todo = zh(Inquiry.action_label("confirm_award"))
        purchaser = navigations.watch(new_page())
        log_in(purchaser, iw.world.purchaser)
        assert confirm_todo in todos(purchaser)
        in_both_languages(purchaser, live_server)
        purchaser.goto(f"/work/transactions/{code}/")
        in_both_languages(purchaser, live_server)
        post(purchaser, "button[value=confirm_award]")
        assert stage(iw) == "awarded"
        assert purchaser.url.endswith(f"/work/transactions/{code}/")
        assert re.search(r"74,800\.00", purchaser.inner_text("#inquiry"))
        shot(purchaser, "16-award-confirmed")
        assert confirm_todo not in todos(purchaser)

        # --- the clerk publishes the result ---------------------------------------------------
        publish_todo = zh(Inquiry.action_label("publish_result"))
        assert publish_todo in todos(clerk)
        clerk.goto(f"/work/transactions/{code}/")
        post(clerk, "button[value=publish_result]")
        assert stage(iw) == "result_published"
        assert clerk.url.endswith(f"/work/transactions/{code}/")
        in_both_languages(clerk, live_server)
        assert publish_todo not in todos(clerk)

        result = Notice.objects.get(transaction=iw.tx, kind=NoticeKind.RESULT, addressee__isnull=True)
        assert mails_about(result.title) == sorted(email[u.pk] for u in concerned)
        (winner, winning), others = iw.suppliers[1], [iw.suppliers[i] for i in (0, 2, 3)]  # 74,800.00 is lowest
        award = Notice.objects.get(transaction=iw.tx, kind=NoticeKind.AWARD)
        assert award.addressee_id == winning.pk and mails_about(award.title) == [email[winner.pk]]
        letters = Notice.objects.filter(transaction=iw.tx, kind=NoticeKind.OUTCOME)
        assert sorted(n.addressee_id for n in letters) == sorted(c.pk for _u, c in others)
        assert {n.title for n in letters} == {letters[0].title}  # one title: "Result of <code>"
        assert mails_about(letters[0].title) == sorted(email[u.pk] for u, _c in others)

        # The result notice is dated on publication, after the deadline it cites.
        public.goto(f"/notices/{result.pk}/")
        dated = MINUTE.search(public.inner_text("p.muted >> nth=0")).group(0)
        assert dated == minute(result.published_at)
        assert minute(deadline) in public.inner_text(".card >> nth=0")
        assert dated > minute(deadline)
        result_row, _published = next((row, body) for row, body in (
            (row, json.loads(bytes(row.body))) for row in Entry.objects.filter(subject=code, kind="notice.published"))
            if body["data"]["kind"] == NoticeKind.RESULT)
        assert minute(result_row.ts) == dated
        shot(public, "22-public-result-notice")
        in_both_languages(public, live_server)
        public.goto(f"/audit/transactions/{code}/")
        in_both_languages(public, live_server)

    # Post/Redirect/Get: every form answered 302/303 with a page fetched by GET.
    posts = navigations.posts()
    assert len(posts) >= 20
    for i, status, url in posts:
        assert status in (302, 303), (url, status)
        method, landed, _url = navigations.seen[i + 1]
        assert method == "GET" and landed == 200, (url, navigations.seen[i + 1])
