"""Forms a person can use (issue 9, item 4): every page form follows Post/Redirect/Get
(trading/views/prg.py). A refused POST answers 303 to the page the form is on, at the
form's anchor, never leaving the address on the POST's URL; that page's GET shows the error
at the top (role=alert, linked to the field) and next to the field, with what was typed
and nothing already saved lost; the next GET shows it no more."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import document, make_transaction, make_world
from tests.refusals import SUMMARY, refused_to_page, shown_once
from tests.trading.inquiry_world import MONDAY, form_group, make_inquiry_world
from trading import clock, workdays
from trading.errors import InvalidInput
from trading.models import Document, Transaction
from trading.views import prg

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def world():
    return make_world()


def before(text, first, second):
    """`first` appears in `text` before `second`."""
    return -1 < text.index(first) < text.index(second)


def test_a_refused_move_goes_back_to_the_page_with_the_error_at_the_top_once(world):
    obj = make_transaction(world, stage="draft")
    client = browser(world.purchaser)
    page = reverse("transaction-detail", args=[obj.code])
    response = client.post(reverse("transaction-act", args=[obj.code, "submit"]), {"expected_stage": "draft"})
    assert "/act/" not in response["Location"]
    shown = refused_to_page(client, response, page, anchor="form-move_submit")
    text = shown.content.decode()
    assert before(text, SUMMARY, "<h1>")  # at the top of the page
    assert "attach at least" in text.split("<h1>")[0]
    # Not about a field: linked to the move, here among those not possible yet, with why.
    assert 'href="#form-move_submit"' in text and '<li id="form-move_submit">' in text
    assert shown_once(client, page)


def test_a_refused_reason_is_shown_at_its_field_with_what_was_typed(world):
    obj = make_transaction(world, stage="submitted")
    client = browser(world.clerk)
    too_long = "材料不全，" * 401  # over the 2000 characters a reason may have
    response = client.post(reverse("transaction-act", args=[obj.code, "reject"]),
                           {"expected_stage": "submitted", "reason": too_long})
    text = refused_to_page(client, response, reverse("transaction-detail", args=[obj.code])).content.decode()
    assert 'href="#id_move_reject_reason"' in text and 'id="id_move_reject_reason-error"' in text
    assert re.search(r'<textarea id="id_move_reject_reason"[^>]*aria-invalid="true"[^>]*>' + too_long, text)
    assert Transaction.objects.get(pk=obj.pk).stage == "submitted"


def test_a_destructive_move_unconfirmed_is_refused_at_the_box_and_keeps_the_reason(world):
    obj = make_transaction(world, stage="registered")
    client = browser(world.clerk)
    response = client.post(reverse("transaction-act", args=[obj.code, "terminate"]),
                           {"expected_stage": "registered", "reason": "采购需求取消"})
    text = refused_to_page(client, response, reverse("transaction-detail", args=[obj.code]),
                           anchor="form-move_terminate").content.decode()
    assert 'id="id_move_terminate_confirmed-error"' in text and 'href="#id_move_terminate_confirmed"' in text
    assert ">采购需求取消</textarea>" in text
    assert 'name="confirmed" value="yes" required checked' not in text  # the confirmation is never kept
    assert Transaction.objects.get(pk=obj.pk).stage == "registered"


def test_a_refused_draft_edit_keeps_what_was_typed_and_loses_nothing_saved(world):
    obj = make_transaction(world, stage="draft")
    saved_title, saved_amount = obj.title, obj.amount
    client = browser(world.purchaser)
    edit = reverse("transaction-edit", args=[obj.code])
    response = client.post(edit, {"title": "办公电脑采购（15台）", "amount": "1e9", "description": "改为15台"})
    text = refused_to_page(client, response, edit, anchor="transaction-form").content.decode()
    assert 'href="#id_amount"' in text and 'id="id_amount-error"' in text and 'aria-invalid="true"' in text
    assert 'value="办公电脑采购（15台）"' in text and 'value="1e9"' in text and "改为15台" in text
    obj.refresh_from_db()
    assert (obj.title, obj.amount) == (saved_title, saved_amount)
    assert shown_once(client, edit)
    assert 'value="办公电脑采购（15台）"' not in client.get(edit).content.decode()  # the saved title again


def test_a_refused_upload_says_to_choose_the_file_again_and_keeps_the_purpose(world):
    obj = make_transaction(world, stage="draft")
    client = browser(world.purchaser)
    response = client.post(reverse("document-upload", args=[obj.code]),
                           {"purpose": "budget", "file": document("预算.exe", b"MZ")})
    text = refused_to_page(client, response, reverse("transaction-detail", args=[obj.code]),
                           anchor="form-document").content.decode()
    assert 'id="id_file-error"' in text and "are not accepted" in text
    assert "Choose the file again" in text
    assert '<option value="budget" selected>' in text
    assert not Document.objects.filter(transaction=obj, name="预算.exe").exists()


def test_a_refused_panel_form_keeps_its_choices_and_marks_its_field():
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        form_group(iw)
        client = browser(iw.world.clerk)
        short = workdays.earliest_deadline(clock.now(), 3) - timedelta(hours=15)
        invited = [str(company.pk) for _user, company in iw.suppliers[:3]]
        response = client.post(reverse("inquiry-notice", args=[iw.tx.code]), {
            "expected_stage": "group_formed", "deadline": short.astimezone(MONDAY.tzinfo).strftime("%Y-%m-%dT%H:%M"),
            "price_composition": "含税含运费", "award_criterion": "最低价", "invitation": "list",
            "invitees": invited, "supervisor": str(iw.world.supervisor.pk), "purchaser_rep": str(iw.world.purchaser.pk)})
        text = refused_to_page(client, response, reverse("transaction-detail", args=[iw.tx.code]),
                               anchor="form-notice").content.decode()
    assert 'href="#id_deadline"' in text and 'id="id_deadline-error"' in text  # the rule's field
    assert "含税含运费" in text
    assert sum(f'name="invitees" value="{pk}" checked' in text for pk in invited) == 3
    assert Transaction.objects.get(pk=iw.tx.pk).stage == "group_formed"


def test_a_refusal_is_shown_on_its_own_page_only_and_not_after_it_went_stale(world, monkeypatch):
    obj = make_transaction(world, stage="draft")
    client = browser(world.purchaser)
    client.post(reverse("transaction-act", args=[obj.code, "submit"]), {"expected_stage": "draft"})
    assert SUMMARY not in client.get(reverse("work")).content.decode()  # another page
    now = prg.time.time()
    monkeypatch.setattr(prg.time, "time", lambda: now + prg.MAX_AGE + 1)
    assert shown_once(client, reverse("transaction-detail", args=[obj.code]))


def test_secrets_are_never_kept_for_the_page(rf, world):
    request = rf.post("/x/", {"password": "pw", "passphrase": "river stone", "share_3": "ab" * 32, "price": "1.00",
                              "confirmed": "yes", "idempotency_key": "k", "reason": "为何"})
    request.session = {}
    prg.refuse(request, InvalidInput("no"), to="/y/", form="f")
    assert request.session[prg.SESSION_KEY]["posted"] == {"reason": ["为何"]}


def test_a_repeated_form_s_name_is_fit_for_an_anchor_whatever_was_posted():
    assert prg.form_name("assess", "ab12" * 20) == "assess_" + "ab12" * 4
    assert prg.form_name("answer", '7"><script>\r\n#x') == "answer_7scriptx"
    assert prg.form_name("answer", None) == "answer_"
