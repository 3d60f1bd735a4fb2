"""The common start of every procedure: filing, entry, refusal, suspension, termination,
archiving; who may do what; and that every move is in the ledger as a path."""

import json
from decimal import Decimal

import pytest
from django.db import transaction as db_transaction

from ledger.models import Entry, PendingEntry
from tests.factories import document, make_transaction, make_world
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Stage, Transaction
from trading.procedures.inquiry.models import Inquiry
from trading.services.transactions import (
    document_attach,
    transaction_create,
    transaction_update_draft,
)
from trading.services.transitions import transaction_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def transitions_of(code):
    """The data of the code's transition entries, recorded (pending) or sequenced, in order."""
    records = [json.loads(p.payload) for p in PendingEntry.objects.order_by("id")]
    sequenced = [json.loads(bytes(e.body)) for e in Entry.objects.order_by("seq")]
    return [r["data"] for r in sequenced + records if r["subject"] == code and r["kind"] == "transition"]


def test_filing_opens_a_draft_with_a_public_code_and_its_creation_entry(world):
    obj = transaction_create(user=world.purchaser, unit=world.unit, type="inquiry",
                             title="办公电脑采购", amount="78,000")
    year = clock.now().astimezone().year
    assert obj.code.startswith(f"JY-{year}-")
    assert isinstance(obj, Inquiry)
    assert obj.stage == Stage.DRAFT and obj.amount == Decimal("78000.00")
    [created] = transitions_of(obj.code)
    assert created["from"] is None and created["to"] == "draft" and created["action"] == "create"
    assert created["type"] == "inquiry"


def test_codes_are_numbered_per_year_in_sequence(world):
    codes = [make_transaction(world).code for _ in range(3)]
    numbers = [int(code.rsplit("-", 1)[1]) for code in codes]
    assert numbers == list(range(numbers[0], numbers[0] + 3))


def test_submit_without_documents_is_refused_naming_the_rule(world):
    obj = make_transaction(world)
    with pytest.raises(RuleViolation) as refused:
        transaction_transition(code=obj.code, action="submit", user=world.purchaser)
    assert refused.value.rule == "common.documents_attached"
    assert "attached: 0" in refused.value.message or "已附：0" in refused.value.message
    assert Transaction.objects.get(pk=obj.pk).stage == Stage.DRAFT


def test_full_common_start_is_ledgered_as_a_path(world):
    obj = make_transaction(world, stage="registered")
    moves = transitions_of(obj.code)
    assert [(m["from"], m["to"]) for m in moves] == [
        (None, "draft"), ("draft", "submitted"), ("submitted", "registered")]
    submitted = moves[1]
    assert submitted["budget"] == "78000.00"
    assert len(submitted["documents"]) == 1 and len(submitted["documents"][0]) == 64
    assert Transaction.objects.get(pk=obj.pk).registered_at is not None


def test_only_a_clerk_of_the_station_registers(world):
    obj = make_transaction(world, stage="submitted")
    for user in (world.other_clerk, world.supervisor, world.purchaser, world.bidder):
        with pytest.raises(NotPermitted):
            transaction_transition(code=obj.code, action="register", user=user)
    assert transaction_transition(code=obj.code, action="register", user=world.clerk).stage == "registered"


def test_purchaser_of_another_unit_cannot_file_for_this_unit(world):
    with pytest.raises(NotPermitted):
        transaction_create(user=world.other_purchaser, unit=world.unit, type="tender",
                           title="地坪", amount="1.00")


def test_refusal_needs_a_reason_that_is_published(world):
    obj = make_transaction(world, stage="submitted")
    with pytest.raises(InvalidInput):
        transaction_transition(code=obj.code, action="reject", user=world.clerk, reason="   ")
    transaction_transition(code=obj.code, action="reject", user=world.clerk, reason="缺少立项批复")
    assert transitions_of(obj.code)[-1]["reason"] == "缺少立项批复"
    revised = transaction_transition(code=obj.code, action="revise", user=world.purchaser)
    assert revised.stage == Stage.DRAFT


def test_supervisor_suspends_and_resumes_to_where_it_was(world):
    obj = make_transaction(world, stage="registered")
    suspended = transaction_transition(code=obj.code, action="suspend", user=world.supervisor,
                                       reason="接到投诉，暂停核查")
    assert suspended.stage == Stage.SUSPENDED and suspended.suspended_from == "registered"
    resumed = transaction_transition(code=obj.code, action="resume", user=world.supervisor)
    assert resumed.stage == "registered" and resumed.suspended_from == ""
    assert [(m["from"], m["to"]) for m in transitions_of(obj.code)][-2:] == [
        ("registered", "suspended"), ("suspended", "registered")]


def test_a_procedure_not_yet_live_cannot_be_suspended(world):
    obj = make_transaction(world, stage="submitted")
    with pytest.raises(StageConflict):
        transaction_transition(code=obj.code, action="suspend", user=world.supervisor, reason="x")


def test_supervisor_watches_but_does_not_operate(world):
    obj = make_transaction(world, stage="registered")
    with pytest.raises(NotPermitted):
        transaction_transition(code=obj.code, action="terminate", user=world.supervisor, reason="x")
    with pytest.raises(NotPermitted):
        transaction_transition(code=obj.code, action="suspend", user=world.clerk, reason="x")


def test_clerk_terminates_with_a_published_reason_then_archives(world):
    obj = make_transaction(world, stage="suspended")
    terminated = transaction_transition(code=obj.code, action="terminate", user=world.clerk,
                                        reason="采购需求取消")
    assert terminated.stage == Stage.TERMINATED and terminated.suspended_from == ""
    archived = transaction_transition(code=obj.code, action="archive", user=world.clerk)
    assert archived.stage == Stage.ARCHIVED
    with pytest.raises(StageConflict):
        transaction_transition(code=obj.code, action="archive", user=world.clerk)


def test_a_draft_cannot_be_terminated_or_archived(world):
    obj = make_transaction(world)
    for action in ("terminate", "archive"):
        with pytest.raises(StageConflict):
            transaction_transition(code=obj.code, action=action, user=world.clerk, reason="x")


def test_expected_stage_that_changed_answers_already_changed(world):
    obj = make_transaction(world, stage="submitted")
    transaction_transition(code=obj.code, action="register", user=world.clerk)
    with pytest.raises(StageConflict) as conflict:
        transaction_transition(code=obj.code, action="register", user=world.clerk,
                               expected_stage="submitted")
    assert conflict.value.details["stage"] == "registered"


def test_unknown_action_is_invalid_input(world):
    obj = make_transaction(world)
    with pytest.raises(InvalidInput):
        transaction_transition(code=obj.code, action="save", user=world.clerk)


def test_stage_cannot_be_changed_outside_the_service(world):
    obj = Transaction.objects.get(code=make_transaction(world, stage="submitted").code).as_procedure()
    with pytest.raises(AttributeError):
        obj.stage = Stage.REGISTERED  # django-fsm protected field
    # Calling the transition method directly changes the stage in memory; saving that
    # without its ledger entry is refused.
    obj.register(now=clock.now())
    assert obj.stage == Stage.REGISTERED
    with pytest.raises(RuntimeError, match="ledger"):
        obj.save()
    assert Transaction.objects.get(pk=obj.pk).stage == Stage.SUBMITTED


def test_stage_change_and_its_entry_commit_together(world, monkeypatch):
    obj = make_transaction(world, stage="submitted")
    before = PendingEntry.objects.count()

    def broken_record(**kwargs):
        raise RuntimeError("ledger down")

    monkeypatch.setattr("trading.services.transitions.ledger_record", broken_record)
    with pytest.raises(RuntimeError):
        transaction_transition(code=obj.code, action="register", user=world.clerk)
    assert Transaction.objects.get(pk=obj.pk).stage == Stage.SUBMITTED
    assert PendingEntry.objects.count() == before


def test_text_is_normalised_to_nfc_on_input(world):
    decomposed = "Cafe\u0301 设备"
    obj = transaction_create(user=world.purchaser, unit=world.unit, type="inquiry", title=decomposed,
                             amount="10.00")
    assert obj.title == "Café 设备"


@pytest.mark.parametrize("amount", ["12.345", "-5", "0", "abc", "", "1e3x", "NaN", "Infinity", "1e999", "1e-999",
                                    "9999999999999.00"])
def test_money_that_is_not_yuan_is_refused(world, amount):
    with pytest.raises(InvalidInput):
        transaction_create(user=world.purchaser, unit=world.unit, type="inquiry", title="x", amount=amount)


def test_float_money_is_refused(world):
    with pytest.raises(InvalidInput):
        transaction_create(user=world.purchaser, unit=world.unit, type="inquiry", title="x", amount=1.5)


def test_draft_edits_only_while_draft(world):
    obj = make_transaction(world)
    edited = transaction_update_draft(transaction=obj, user=world.purchaser, title="办公电脑（13台）",
                                      amount="80000")
    assert edited.title == "办公电脑（13台）" and edited.amount == Decimal("80000.00")
    submitted = make_transaction(world, stage="submitted")
    with pytest.raises(StageConflict):
        transaction_update_draft(transaction=submitted, user=world.purchaser, title="改")


def test_documents_are_stored_under_their_sha256_and_ledgered(world):
    import hashlib

    obj = make_transaction(world)
    content = "采购申请审批表".encode()
    doc = document_attach(transaction=obj, user=world.purchaser, upload=document("审批表.txt", content))
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.file.name.endswith(doc.sha256)
    with doc.file.open("rb") as f:
        assert f.read() == content
    records = [json.loads(p.payload) for p in PendingEntry.objects.all()]
    attached = [r for r in records if r["kind"] == "document.attached" and r["subject"] == obj.code]
    assert attached[0]["data"] == {"sha256": doc.sha256, "name": "审批表.txt", "size": len(content),
                                   "purpose": "approval"}
    with pytest.raises(InvalidInput, match="SHA-256"):
        document_attach(transaction=obj, user=world.purchaser, upload=document("again.txt", content))


@pytest.mark.parametrize("name,content", [("virus.exe", b"MZ"), ("empty.pdf", b"")])
def test_unacceptable_documents_are_refused(world, name, content):
    obj = make_transaction(world)
    with pytest.raises(InvalidInput):
        document_attach(transaction=obj, user=world.purchaser, upload=document(name, content))


def test_too_large_documents_are_refused(world, settings):
    settings.DOCUMENT_MAX_BYTES = 10
    obj = make_transaction(world)
    with pytest.raises(InvalidInput, match="MB"):
        document_attach(transaction=obj, user=world.purchaser, upload=document("big.txt", b"x" * 11))


def test_documents_are_attached_only_to_drafts(world):
    obj = make_transaction(world, stage="submitted")
    with pytest.raises(StageConflict):
        document_attach(transaction=obj, user=world.purchaser, upload=document())


def test_every_transition_method_of_every_procedure_is_ledgered(world):
    """Walk each procedure's common moves through the service: each adds exactly one entry."""
    for procedure in ("inquiry", "tender", "asset_sale"):
        obj = make_transaction(world, type=procedure, stage="registered")
        for action, user, reason in [("suspend", world.supervisor, "核查"), ("resume", world.supervisor, ""),
                                     ("terminate", world.clerk, "取消"), ("archive", world.clerk, "")]:
            count = len(transitions_of(obj.code))
            with db_transaction.atomic():
                transaction_transition(code=obj.code, action=action, user=user, reason=reason)
            assert len(transitions_of(obj.code)) == count + 1
        moves = transitions_of(obj.code)
        assert all(m["type"] == procedure for m in moves)
        assert all(a["to"] == b["from"] for a, b in zip(moves, moves[1:], strict=False))
