"""After the bids close and after the result: the bidders' securities (recorded by the clerk
once the bids are closed, refunded within 5 days of the contract, late refunds flagged),
the contract (within 30 days, published), the written report to the supervisors (within 15
days of the award), the acceptance (履约验收: every security refunded and the report filed
first), and the way on after a failure: a new round, or in round 2 or later a change of
method with the approving body's recorded approval (a termination that says a new
transaction of the approved method follows)."""

import hashlib
from datetime import date, datetime

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bidding.models import Award
from bidding.services import contracts
from ledger.core.entry import format_ts
from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record
from trading import clock, deadlines
from trading.errors import InvalidInput, RuleViolation, StageConflict
from trading.models import DocumentPurpose, Milestone, NoticeKind, Role
from trading.money import parse_yuan
from trading.services.milestones import milestone_reach, milestone_reached
from trading.services.notices import notice_publish
from trading.services.transactions import store_document
from trading.services.transitions import transaction_transition

from .. import params
from ..records import BidSecurity, SecurityMethod, TenderStage
from .bids import bidder_among, bidders
from .common import param, round_of, staff_transaction


def _a_date(value, field, label):
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput(_("%(field)s: give a date like 2026-12-20") % {"field": label}, field=field)
    if value > timezone.localtime(clock.now()).date():
        raise InvalidInput(_("%(field)s cannot be in the future") % {"field": label}, field=field)
    return value


def _subject_company(company):
    return {"supplier": company.name, "uscc": company.uscc}


# --- securities ---------------------------------------------------------------------------------

SECURITY_STAGES = [TenderStage.BIDS_CLOSED, TenderStage.COMMITTEE_FORMED, TenderStage.TECHNICAL_OPENED,
                   TenderStage.OPENED, TenderStage.EVALUATED, TenderStage.CANDIDATES_PUBLISHED,
                   TenderStage.AWARDED, TenderStage.RESULT_PUBLISHED, TenderStage.CONTRACTED, TenderStage.FAILED]


@db_transaction.atomic
def tender_record_security(*, code, user, company, amount, method, received_on):
    """The clerk records a bidder's bid security once the bids are closed (before that,
    who bid is secret): amount, how, when the bank received it. Ledgered."""
    tx = staff_transaction(code, user, role=Role.CLERK, stages=SECURITY_STAGES)
    company = bidder_among(company, bidders(tx))
    amount = parse_yuan(amount, field=_("security amount"))
    if method not in SecurityMethod.values:
        raise InvalidInput(_("choose how the security was given: %(methods)s")
                           % {"methods": ", ".join(SecurityMethod.values)}, field="method")
    received_on = _a_date(received_on, "received_on", _("the date received"))
    if BidSecurity.objects.filter(transaction_id=tx.pk, round=tx.round, company=company).exists():
        raise InvalidInput(_("the security of %(company)s is recorded already") % {"company": company.name},
                           field="company")
    security = BidSecurity.objects.create(transaction_id=tx.pk, round=tx.round, company=company, amount=amount,
                                          method=method, received_on=received_on, recorded_at=clock.now(),
                                          recorded_by=user)
    data = {"round": tx.round, **_subject_company(company), "amount": f"{amount:.2f}", "method": method,
            "received_on": received_on.isoformat()}
    required = round_of(tx).security_amount
    if required is not None and amount < required:
        data["short"] = True  # less than the notice asked: the committee decides
    ledger_record(kind="security.recorded", subject=tx.code, actor=ledger_actor(Role.CLERK, user.ledger_name()),
                  data=data)
    return security


@db_transaction.atomic
def tender_refund_security(*, code, user, company, refunded_on):
    """The clerk records a security's refund, once the result is published (or the round
    failed); after the contract's refund period it is flagged late."""
    tx = staff_transaction(code, user, role=Role.CLERK, stages=SECURITY_STAGES + [TenderStage.ACCEPTED])
    if not (milestone_reached(tx, Milestone.RESULT_PUBLISHED) or tx.stage == TenderStage.FAILED):
        raise StageConflict(_("securities are refunded once the result is published, or the round failed"),
                            stage=tx.stage)
    company = bidder_among(company, bidders(tx))
    refunded_on = _a_date(refunded_on, "refunded_on", _("the refund date"))
    security = BidSecurity.objects.select_for_update().filter(transaction_id=tx.pk, round=tx.round,
                                                              company=company).first()
    if security is None:
        raise InvalidInput(_("no security of %(company)s is recorded") % {"company": company.name}, field="company")
    if security.refunded_on is not None:
        raise InvalidInput(_("the security of %(company)s is refunded already") % {"company": company.name},
                           field="company")
    if refunded_on < security.received_on:
        raise InvalidInput(_("a security is refunded after it was received (%(date)s)")
                           % {"date": security.received_on.isoformat()}, field="refunded_on")
    now = clock.now()
    security.refunded_on, security.refund_recorded_at, security.refund_recorded_by = refunded_on, now, user
    security.save()
    data = {"round": tx.round, **_subject_company(company), "refunded_on": refunded_on.isoformat()}
    due = round_of(tx).refund_due_by
    if due is not None and refunded_on > timezone.localtime(due).date():
        data["late"] = True  # a warning sign: refunded after the rule's period
        data["due_by"] = format_ts(due)
    ledger_record(kind="security.refunded", subject=tx.code, actor=ledger_actor(Role.CLERK, user.ledger_name()),
                  data=data)
    return security


# --- contract, report, acceptance ----------------------------------------------------------

def tender_record_contract(*, code, user, amount, signed_on, upload, expected_stage=None):
    amount = contracts.contract_input(amount=amount, signed_on=signed_on, upload=upload)
    return transaction_transition(code=code, action="record_contract", user=user, expected_stage=expected_stage,
                                  amount=amount, signed_on=signed_on, upload=upload)


def record_contract(tx, *, now, user, amount, signed_on, upload) -> dict:
    record = round_of(tx)
    award = Award.objects.select_related("bid__company").get(transaction_id=tx.pk, round=tx.round)
    data = contracts.contract_record(transaction=tx, award=award, user=user, amount=amount, signed_on=signed_on,
                                     upload=upload, awarded_at=record.awarded_at, rule_prefix="tender")
    if signed_on > timezone.localtime(record.contract_due_by).date():
        data["late"] = True  # a warning sign for supervisors
    record.refund_due_by = deadlines.within_days(tx, now, param(tx, "security_refund_days"))
    record.save(update_fields=["refund_due_by"])
    milestone_reach(tx, Milestone.CONTRACTED, at=now)
    return {**data, "securities_refund_by": format_ts(record.refund_due_by)}


@db_transaction.atomic
def tender_file_report(*, code, user, upload):
    """The tenderer files its written report on the tender with the supervisors (书面报告),
    within 15 days of the award: the document and its ledger entry (late flagged)."""
    tx = staff_transaction(code, user, role=Role.PURCHASER,
                           stages=[TenderStage.AWARDED, TenderStage.RESULT_PUBLISHED, TenderStage.CONTRACTED])
    record = round_of(tx)
    if record.supervisor_report_sha256:
        raise InvalidInput(_("the written report is filed already (SHA-256 %(sha)s)")
                           % {"sha": record.supervisor_report_sha256}, field="file")
    document = store_document(transaction=tx, user=user, upload=upload, purpose=DocumentPurpose.OTHER,
                              role=Role.PURCHASER)
    now = clock.now()
    record.supervisor_report_sha256, record.supervisor_report_filed_at = document.sha256, now
    record.save(update_fields=["supervisor_report_sha256", "supervisor_report_filed_at"])
    data = {"round": tx.round, "document_sha256": document.sha256}
    if record.report_due_by and now > record.report_due_by:
        data["late"] = True
        data["due_by"] = format_ts(record.report_due_by)
    ledger_record(kind="tender.report_filed", subject=tx.code, actor=ledger_actor(Role.PURCHASER, user.ledger_name()),
                  data=data)
    return document


def tender_record_acceptance(*, code, user, accepted_on, passed, remarks, upload, expected_stage=None):
    remarks = contracts.acceptance_input(accepted_on=accepted_on, passed=passed, remarks=remarks, upload=upload)
    return transaction_transition(code=code, action="record_acceptance", user=user, expected_stage=expected_stage,
                                  accepted_on=accepted_on, passed=passed, remarks=remarks, upload=upload)


def record_acceptance(tx, *, user, accepted_on, passed, remarks, upload) -> dict:
    return contracts.acceptance_record(transaction=tx, user=user, accepted_on=accepted_on, passed=passed,
                                       remarks=remarks, upload=upload)


# --- after a failure ---------------------------------------------------------------------------

def retender(tx) -> dict:
    """A new round of the same code: new records, a new bid round at the next notice."""
    tx.round += 1
    tx.reason = ""
    return {"round": tx.round}


def tender_change_method(*, code, user, reason, upload, expected_stage=None):
    if upload is None:
        raise InvalidInput(_("attach the approving body's approval document"), field="file")
    return transaction_transition(code=code, action="change_method", user=user, reason=reason, upload=upload,
                                  expected_stage=expected_stage)


def change_method(tx, *, now, user, reason, upload) -> dict:
    """The tenderer stops tendering with the recorded approval: the transaction ends
    (terminated) with a published reason; a new transaction of the approved method follows."""
    if not reason:
        raise RuleViolation(_("say which method the approval allows"), rule="tender.method_change")
    document = store_document(transaction=tx, user=user, upload=upload, purpose=DocumentPurpose.APPROVAL,
                              role=Role.PURCHASER)
    tx.reason = _("Round %(round)d failed again; with the approval (document SHA-256 %(sha)s) the tender stops: "
                  "%(reason)s. A new transaction of the approved method follows (%(source)s).") % {
        "round": tx.round, "sha": document.sha256, "reason": reason, "source": params.CONSTRUCTION_38}
    notice = notice_publish(tx, kind=NoticeKind.TERMINATION, user=user, now=now,
                            title=_("Termination notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                            body=tx.reason)
    return {"round": tx.round, "approval_sha256": document.sha256, "notice_sha256": notice.sha256,
            "reason_sha256": hashlib.sha256(reason.encode()).hexdigest(), "new_transaction_follows": True}

