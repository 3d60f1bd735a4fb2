"""Buyers: registration during the disclosure, the clerk's decision (qualified, or refused
with a recorded reason), the deposit recorded (amount and date; the platform does not
handle the money), and the close of the disclosure by the number of qualified buyers.

Who registered, and how many, is secret until the close: no ledger entry names or
counts them before it; the close's entry lists them (registered count, qualified buyers,
refusals with their reasons)."""

from datetime import date, datetime

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bidding.models import Company
from bidding.selectors_sealed import representing_since
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation
from trading.models import Milestone, NoticeKind
from trading.money import parse_yuan
from trading.services.milestones import milestone_reach
from trading.services.notices import notice_publish
from trading.text import clean_id, clean_text

from ..records import AssetSaleStage, BuyerRegistration, RegistrationStatus
from .common import clerk_transaction, local, locked, round_of, source, stage_is, yuan

DISCLOSURE_RULE = "asset_sale.disclosure_period"
BUYERS_SOURCE = "DOMAIN.md §3：意向受让方登记、资格确认、交纳保证金 / DOMAIN.md §3: buyers register, are qualified, pay a deposit"


def _company(value, user) -> Company:
    if isinstance(value, Company):
        company = value
    else:
        company = Company.objects.filter(pk=clean_id(value, field=_("buyer"))).first()
    if company is None or representing_since(user, company) is None:
        raise NotPermitted(_("you do not represent that company"), field="company")
    return company


def buyer_register(*, code, user, company) -> BuyerRegistration:
    """A company registers as a prospective buyer of the current round, before the end of
    the disclosure by the server's clock. Registering twice returns the registration."""
    arrived = clock.now()
    with db_transaction.atomic():
        tx = locked(code)
        company = _company(company, user)
        stage_is(tx, [AssetSaleStage.DISCLOSING])
        record = round_of(tx)
        existing = BuyerRegistration.objects.filter(sale_round=record, company=company).first()
        if existing is not None:
            return existing
        if arrived >= record.disclosure_until:
            raise RuleViolation(_("buyers register until the end of the disclosure, %(until)s (%(source)s)")
                                % {"until": local(record.disclosure_until),
                                   "source": source(tx, "disclosure_working_days")}, rule=DISCLOSURE_RULE)
        if BuyerRegistration.objects.filter(transaction=tx, company=company,
                                            deposit_forfeited_at__isnull=False).exists():
            raise RuleViolation(_("%(company)s forfeited its deposit in an earlier round of %(code)s by not paying "
                                  "the price: it cannot register again (%(source)s)")
                                % {"company": company.name, "code": tx.code,
                                   "source": source(tx, "payment_working_days")}, rule="asset_sale.defaulted_buyer")
        return BuyerRegistration.objects.create(sale_round=record, transaction=tx, company=company,
                                                registered_by=user, registered_at=arrived)


def _registration(tx, registration_id) -> BuyerRegistration:
    pk = clean_id(registration_id, field=_("registration"))
    registration = (BuyerRegistration.objects.select_related("company")
                    .filter(pk=pk, sale_round=round_of(tx)).first())
    if registration is None:
        raise InvalidInput(_("no such registration in the current round of %(code)s") % {"code": tx.code},
                           field="registration")
    return registration


def deposit_record(*, code, user, registration_id, amount, paid_on) -> BuyerRegistration:
    """The clerk records the buyer's deposit as the seller's account received it."""
    amount = parse_yuan(amount, field=_("deposit"))
    if isinstance(paid_on, datetime) or not isinstance(paid_on, date):
        raise InvalidInput(_("the deposit's date: give a date like 2026-12-10"), field="paid_on")
    with db_transaction.atomic():
        tx = clerk_transaction(code, user, stages=[AssetSaleStage.DISCLOSING])
        if paid_on > timezone.localtime(clock.now()).date():
            raise InvalidInput(_("the deposit's date cannot be in the future"), field="paid_on")
        registration = _registration(tx, registration_id)
        registration.deposit_amount, registration.deposit_paid_on = amount, paid_on
        registration.deposit_recorded_at = clock.now()
        registration.save()
        return registration


def registration_decide(*, code, user, registration_id, qualified, reason="") -> BuyerRegistration:
    """The clerk qualifies a registered buyer (its deposit recorded, at least the notice's)
    or refuses it with a reason, until the close; the close lists every decision."""
    if qualified not in (True, False):
        raise InvalidInput(_("say whether the buyer is qualified"), field="qualified")
    reason = clean_text(reason, field=_("reason"), max_length=2000, required=not qualified, multiline=True)
    with db_transaction.atomic():
        tx = clerk_transaction(code, user, stages=[AssetSaleStage.DISCLOSING])
        record = round_of(tx)
        registration = _registration(tx, registration_id)
        if qualified and (registration.deposit_amount is None or registration.deposit_amount < record.deposit):
            raise RuleViolation(_("a buyer is qualified once its deposit of %(deposit)s yuan is recorded "
                                  "(recorded: %(given)s) (%(source)s)")
                                % {"deposit": yuan(record.deposit), "given": yuan(registration.deposit_amount),
                                   "source": BUYERS_SOURCE}, rule="asset_sale.deposit_first")
        registration.status = RegistrationStatus.QUALIFIED if qualified else RegistrationStatus.REFUSED
        registration.reason = reason
        registration.decided_by, registration.decided_at = user, clock.now()
        registration.save()
        return registration


# --- the close --------------------------------------------------------------------------------

def registrations(tx):
    return BuyerRegistration.objects.filter(sale_round=round_of(tx)).select_related("company")


def qualified_buyers(tx) -> list[BuyerRegistration]:
    """For the close's rules and, after the close, the competition (never shown before)."""
    return list(registrations(tx).filter(status=RegistrationStatus.QUALIFIED).order_by("registered_at", "pk"))


def pending_count(tx) -> int:
    return registrations(tx).filter(status=RegistrationStatus.PENDING).count()


def _close(tx, now) -> dict:
    record = round_of(tx)
    rows = list(registrations(tx).order_by("company__uscc"))
    qualified = [r for r in rows if r.status == RegistrationStatus.QUALIFIED]
    record.closed_at, record.qualified_count = now, len(qualified)
    record.save(update_fields=["closed_at", "qualified_count"])
    milestone_reach(tx, Milestone.BIDS_CLOSED, at=now)  # names and count are public from now on
    return {"round": tx.round, "registered": len(rows),
            "qualified": [{"name": r.company.name, "uscc": r.company.uscc} for r in qualified],
            "refused": [{"name": r.company.name, "uscc": r.company.uscc, "reason": r.reason}
                        for r in rows if r.status == RegistrationStatus.REFUSED]}


def close_unsold(tx, *, now) -> dict:
    data = _close(tx, now)
    reason = _("no qualified buyer registered by the end of the disclosure (%(source)s)") % {
        "source": source(tx, "disclosure_working_days")}
    tx.reason = reason
    notice_publish(tx, kind=NoticeKind.FAILURE, now=now,
                   title=_("Unsold: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                   body=_("%(code)s, round %(round)d: %(reason)s. The asset may be relisted as a new round.")
                   % {"code": tx.code, "round": tx.round, "reason": reason})
    return data


def close_to_negotiation(tx, *, now) -> dict:
    return _close(tx, now)


def close_to_competition(tx, *, now) -> dict:
    return _close(tx, now)
