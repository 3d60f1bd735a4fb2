"""Pages: the public audit trail (Chinese first, English available, keyset pagination),
login with lockout, the workspace of each role, and forms that keep what was typed."""

import pytest
from django.db import transaction
from django.urls import reverse

from ledger.recording import actor, ledger_record
from tests.factories import document, make_transaction, make_world
from tests.refusals import refused_to_page, shown_once
from trading.models import LoginFailure, Stage, Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": "pw-for-tests-1"})
    assert response.status_code == 302, response.content.decode()


def test_home_and_audit_trail_are_public_and_chinese_by_default(client, world, sequenced):
    obj = make_transaction(world, stage="registered")
    sequenced()
    home = client.get("/")
    assert home.status_code == 200
    assert "乡镇公共资源交易平台" in home.content.decode()
    assert obj.code in home.content.decode()
    trail = client.get(reverse("audit"))
    text = trail.content.decode()
    assert trail.status_code == 200 and "公开审计" in text and obj.code in text
    assert "trading.localhost/ledger" in text  # the signed checkpoint is shown


def test_english_is_available(client, world, sequenced):
    make_transaction(world, stage="registered")
    sequenced()
    client.post(reverse("set_language"), {"language": "en", "next": "/audit/"})
    text = client.get(reverse("audit")).content.decode()
    assert "Public audit trail" in text


def test_audit_trail_keyset_pagination_and_filter(client, world, sequenced):
    with transaction.atomic():
        for i in range(120):
            ledger_record(kind="note", subject=f"JY-2026-{i % 2 + 1:04d}", actor=actor("clerk", "王明"), data={"i": i})
    size = sequenced()
    first = client.get(reverse("audit")).context
    seqs = [e["seq"] for e in first["entries"]]
    assert seqs == list(range(size - 1, size - 51, -1))
    second = client.get(reverse("audit"), {"before": first["older"]}).context
    assert [e["seq"] for e in second["entries"]][0] == seqs[-1] - 1
    filtered = client.get(reverse("audit"), {"subject": "JY-2026-0002"}).context["entries"]
    assert filtered and all(e["subject"] == "JY-2026-0002" for e in filtered)
    bad = client.get(reverse("audit"), {"before": "abc"})
    assert bad.status_code == 400


def test_entry_page_shows_a_verified_inclusion_proof(client, world, sequenced):
    obj = make_transaction(world, stage="registered")
    sequenced()
    page = client.get(reverse("audit-entry", args=[0]))
    assert page.status_code == 200
    assert page.context["proof"]["verified"] is True
    assert client.get(reverse("audit-entry", args=[999999])).status_code == 404
    timeline = client.get(reverse("audit-transaction", args=[obj.code]))
    assert timeline.status_code == 200
    assert [e["seq"] for e in timeline.context["timeline"]] == sorted(e["seq"] for e in timeline.context["timeline"])
    assert client.get(reverse("audit-transaction", args=["JY-1999-9999"])).status_code == 404


def test_checkpoints_page_lists_history(client, world, sequenced):
    make_transaction(world)
    sequenced()
    make_transaction(world)
    sequenced()
    page = client.get(reverse("audit-checkpoints"))
    assert page.status_code == 200 and len(page.context["checkpoints"]) >= 2


def test_login_locks_after_repeated_failures_from_that_address(client, world, settings):
    """Locked for this user name from this address only: tests/trading/test_login_throttle.py
    checks that the owner elsewhere still logs in."""
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        response = client.post(reverse("login"), {"username": world.clerk.username, "password": "wrong"})
        assert response.status_code == 400
    locked = client.post(reverse("login"), {"username": world.clerk.username, "password": "pw-for-tests-1"})
    assert locked.status_code == 429
    assert "15" in locked.content.decode()
    LoginFailure.objects.all().delete()  # the window has passed
    login(client, world.clerk)


def test_successful_login_clears_the_failures_from_its_address(client, world):
    client.post(reverse("login"), {"username": world.clerk.username, "password": "wrong"})
    login(client, world.clerk)
    assert not LoginFailure.objects.filter(username=world.clerk.username, address="127.0.0.1").exists()


def test_login_redirect_is_only_local(client, world):
    response = client.post(reverse("login") + "?next=https://evil.example/",
                           {"username": world.clerk.username, "password": "pw-for-tests-1",
                            "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("work")


@pytest.mark.parametrize("role", ["purchaser", "clerk", "supervisor", "bidder", "expert"])
def test_each_role_has_a_home_page(client, world, role):
    make_transaction(world, stage="submitted")
    login(client, getattr(world, role))
    page = client.get(reverse("work"))
    assert page.status_code == 200
    assert role in page.context["roles"]


def test_workspace_needs_login(client):
    response = client.get(reverse("work"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_purchaser_files_attaches_and_submits_through_the_pages(client, world, sequenced):
    login(client, world.purchaser)
    bad = client.post(reverse("transaction-new"), {"unit": world.unit.pk, "type": "inquiry",
                                                   "title": "办公电脑采购（13台）", "amount": "12.345"})
    text = refused_to_page(client, bad, reverse("transaction-new"), anchor="transaction-form").content.decode()
    assert "办公电脑采购（13台）" in text  # what was typed is kept
    assert "两位小数" in text or "two decimal" in text
    created = client.post(reverse("transaction-new"), {"unit": world.unit.pk, "type": "inquiry",
                                                       "title": "办公电脑采购（13台）", "amount": "78000"})
    assert created.status_code == 302
    obj = Transaction.objects.get(title="办公电脑采购（13台）")
    refused = client.post(reverse("transaction-act", args=[obj.code, "submit"]), {"expected_stage": "draft"})
    page = refused_to_page(client, refused, reverse("transaction-detail", args=[obj.code]), anchor="form-move_submit")
    assert "0" in page.context["form_refusal"].problems[0].message  # "attach at least 1 document (attached: 0)"
    uploaded = client.post(reverse("document-upload", args=[obj.code]),
                           {"purpose": "approval", "file": document("审批表.txt")})
    assert uploaded.status_code == 302
    submitted = client.post(reverse("transaction-act", args=[obj.code, "submit"]), {"expected_stage": "draft"})
    assert submitted.status_code == 302
    assert Transaction.objects.get(pk=obj.pk).stage == Stage.SUBMITTED


def test_clerk_refusal_without_reason_keeps_the_page(client, world):
    obj = make_transaction(world, stage="submitted")
    login(client, world.clerk)
    page = client.get(reverse("transaction-detail", args=[obj.code]))
    assert {a["name"] for a in page.context["actions"]} == {"register", "reject"}
    refused = client.post(reverse("transaction-act", args=[obj.code, "reject"]),
                          {"expected_stage": "submitted", "reason": " "})
    page = refused_to_page(client, refused, reverse("transaction-detail", args=[obj.code]))
    assert page.context["form_refusal"].problems[0].field == "reason"
    stale = client.post(reverse("transaction-act", args=[obj.code, "register"]), {"expected_stage": "draft"})
    page = refused_to_page(client, stale, reverse("transaction-detail", args=[obj.code]))
    assert page.context["form_refusal"].form == "move_register"
    assert shown_once(client, reverse("transaction-detail", args=[obj.code]))


def test_staff_of_another_station_cannot_see_the_file(client, world):
    obj = make_transaction(world, stage="submitted")
    login(client, world.other_clerk)
    assert client.get(reverse("transaction-detail", args=[obj.code])).status_code == 404
    assert client.post(reverse("transaction-act", args=[obj.code, "register"])).status_code == 404


def test_unknown_pages_answer_404_not_500(client):
    assert client.get("/no/such/page/").status_code == 404
