"""What every step of the tender needs: the rule set's numbers and sources, the round's
records, the transaction locked for a step that is not a stage change, periods before a
deadline as real moments."""

from datetime import datetime

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bidding import selectors_sealed
from trading import deadlines, rulesets
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Role, Transaction

from ..records import TenderRound

PROCEDURE = "tender"


def rule_set(tx):
    return tx.rule_set or rulesets.in_force(tx.station, PROCEDURE)


def param(tx, name):
    return rulesets.param(rule_set(tx), name)


def fraction(tx, name):
    return rulesets.fraction(rule_set(tx), name)


def source(tx, name):
    return rulesets.source(rule_set(tx), name)


def local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def violation(tx, name, text, rule, **values):
    """A RuleViolation naming the rule, its parameter's source and what is needed."""
    message = _("%(text)s (%(source)s)") % {"text": text % values, "source": source(tx, name)}
    return RuleViolation(message, rule=rule)


def days_before(tx, moment: datetime, days: int) -> datetime:
    """The real moment `days` (calendar) days before `moment` (compressed for a sandbox)."""
    return moment - (deadlines.within_days(tx, moment, days) - moment)


def round_of(tx) -> TenderRound:
    """The records of the transaction's current round: saved from its notice on; before
    that an empty, unsaved one (a read never writes)."""
    return (TenderRound.objects.filter(transaction_id=tx.pk, round=tx.round).first()
            or TenderRound(transaction_id=tx.pk, round=tx.round))


def bid_round_of(tx):
    """The round's sealed bids (None before the notice)."""
    return selectors_sealed.round_of(tx)


def _get(queryset, code):
    tx = queryset.filter(code=str(code or "")[:32]).first()
    if tx is None:
        raise InvalidInput(_("no transaction with code %(code)s") % {"code": code})
    if tx.type != PROCEDURE:
        raise InvalidInput(_("%(code)s is not an open tender") % {"code": code})
    return tx.as_procedure()


def find(code):
    """The tender `code` (not locked: the step's service locks it)."""
    return _get(Transaction.objects.all(), code)


def locked(code):
    """The tender `code`, its row locked (steps that are not stage changes)."""
    return _get(Transaction.objects.select_for_update(), code)


def holds(user, tx, role) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    for m in user.memberships.all():
        if m.role == role and m.station_id == tx.station_id and (role != Role.PURCHASER or m.unit_id == tx.unit_id):
            return True
    return False


def staff_transaction(code, user, *, role, stages):
    """Inside a database transaction: the tender locked, if `user` holds `role` for it (a
    clerk of its station, a purchaser of its unit) and it is at one of `stages`."""
    if not db_transaction.get_connection().in_atomic_block:
        raise RuntimeError("staff_transaction runs inside the step's database transaction")
    tx = locked(code)
    if not holds(user, tx, role):
        if role == Role.PURCHASER:
            raise NotPermitted(_("this is done by a representative of %(unit)s") % {"unit": tx.unit})
        raise NotPermitted(_("this is done by a clerk of %(station)s") % {"station": tx.station})
    if tx.stage not in stages:
        raise StageConflict(_("%(code)s is at stage “%(stage)s”, where this is not possible")
                            % {"code": tx.code, "stage": tx.stage_label()}, stage=tx.stage)
    return tx


def positive_int(value, field, *, maximum=99):
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise InvalidInput(_("%(field)s must be a whole number") % {"field": field})
    number = int(text) if len(text) <= 6 else 10**6
    if number < 1 or number > maximum:
        raise InvalidInput(_("%(field)s must be between 1 and %(max)d") % {"field": field, "max": maximum})
    return number
