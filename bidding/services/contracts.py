"""The contract and its acceptance (履约验收), as any procedure records them: the signed
contract's document and amount (the awarded price), published; the acceptance's date,
conclusion and signed report. Dates are checked against the one clock (today in Beijing)."""

import hashlib
from datetime import date, datetime

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import clock
from trading.errors import InvalidInput, RuleViolation
from trading.models import DocumentPurpose, NoticeKind, Role
from trading.money import parse_yuan
from trading.services.notices import notice_publish, official_language
from trading.services.transactions import store_document
from trading.text import clean_text

from ..models import Acceptance, Award, Contract


def _today():
    return timezone.localtime(clock.now()).date()


def contract_record(*, transaction, award: Award, user, amount, signed_on, upload, awarded_at, rule_prefix) -> dict:
    """Record the signed contract of `award` (inside the procedure's move); returns the
    ledger data of the move."""
    company = award.bid.company
    if amount != award.price:
        raise RuleViolation(_("the contract amount is the awarded price (%(price)s yuan); given %(amount)s")
                            % {"price": f"{award.price:,.2f}", "amount": f"{amount:,.2f}"},
                            rule=f"{rule_prefix}.contract_amount")
    if signed_on > _today():
        raise InvalidInput(_("the signing date cannot be in the future"), field="signed_on")
    if signed_on < timezone.localtime(awarded_at).date():
        raise InvalidInput(_("the contract cannot be signed before the award"), field="signed_on")
    with db_transaction.atomic():
        document = store_document(transaction=transaction, user=user, upload=upload,
                                  purpose=DocumentPurpose.CONTRACT, role=Role.PURCHASER)
        Contract.objects.create(transaction=transaction, award=award, company=company, amount=amount,
                                signed_on=signed_on, document_sha256=document.sha256, document_name=document.name,
                                recorded_at=clock.now(), recorded_by=user)
        with official_language():
            notice_publish(transaction, kind=NoticeKind.CONTRACT, user=None,
                           title=_("Contract notice: %(title)s (%(code)s)") % {"title": transaction.title,
                                                                                "code": transaction.code},
                           body=_("Contract for %(code)s %(title)s signed on %(date)s between %(unit)s and %(company)s "
                                  "(%(uscc)s) for %(amount)s yuan. Contract document SHA-256: %(sha)s")
                           % {"code": transaction.code, "title": transaction.title, "date": signed_on.isoformat(),
                              "unit": transaction.unit, "company": award.bid.bidder_name, "uscc": award.bid.bidder_uscc,
                              "amount": f"{amount:,.2f}", "sha": document.sha256})
    return {"round": transaction.round, "supplier": award.bid.bidder_name, "amount": f"{amount:.2f}",
            "signed_on": signed_on.isoformat(), "document_sha256": document.sha256}


def contract_input(*, amount, signed_on, upload):
    """What the purchaser gives for the contract, checked before the move: the amount in
    yuan, the signing date and the signed contract. Returns the amount as a Decimal."""
    amount = parse_yuan(amount, field=_("contract amount"))
    if upload is None:
        raise InvalidInput(_("attach the signed contract"), field="file")
    if isinstance(signed_on, datetime) or not isinstance(signed_on, date):
        raise InvalidInput(_("the signing date: give a date like 2026-12-20"), field="signed_on")
    return amount


def acceptance_input(*, accepted_on, passed, remarks, upload) -> str:
    """What the purchaser gives for the performance check (履约验收), checked before the
    move: a date, a conclusion, remarks (required when it did not pass) and the signed
    report. Returns the remarks, cleaned."""
    if passed not in (True, False):
        raise InvalidInput(_("say whether the acceptance passed"), field="passed")
    if isinstance(accepted_on, datetime) or not isinstance(accepted_on, date):
        raise InvalidInput(_("the acceptance date: give a date like 2026-12-20"), field="accepted_on")
    remarks = clean_text(remarks, field=_("acceptance remarks"), max_length=4000, multiline=True, required=not passed)
    if upload is None:
        raise InvalidInput(_("attach the signed acceptance report"), field="file")
    return remarks


def acceptance_record(*, transaction, user, accepted_on, passed, remarks, upload) -> dict:
    """Record the performance check of the transaction's contract (inside the procedure's
    move); returns the ledger data (the remarks may speak of people: only their digest)."""
    contract = Contract.objects.filter(transaction=transaction).first()
    if contract is None:
        raise RuleViolation(_("the acceptance comes after the contract"), rule="contract.acceptance_after")
    if accepted_on > _today():
        raise InvalidInput(_("the acceptance date cannot be in the future"), field="accepted_on")
    if accepted_on < contract.signed_on:
        raise InvalidInput(_("the acceptance cannot come before the contract was signed (%(date)s)")
                           % {"date": contract.signed_on.isoformat()}, field="accepted_on")
    document = store_document(transaction=transaction, user=user, upload=upload, purpose=DocumentPurpose.ACCEPTANCE,
                              role=Role.PURCHASER)
    Acceptance.objects.create(contract=contract, accepted_on=accepted_on, passed=passed, remarks=remarks,
                              document_sha256=document.sha256, recorded_at=clock.now(), recorded_by=user)
    return {"round": transaction.round, "accepted_on": accepted_on.isoformat(), "passed": passed,
            "document_sha256": document.sha256, "remarks_sha256": hashlib.sha256(remarks.encode()).hexdigest()}
