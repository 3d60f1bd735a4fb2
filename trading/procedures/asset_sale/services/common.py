"""What every step of the asset sale needs: the rule set's numbers and sources, the
round's records, the transaction found or locked for a step that is not a stage change."""

from datetime import datetime

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bidding import selectors_sealed
from trading import rulesets
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Role, Transaction

from ..records import SaleRound

PROCEDURE = "asset_sale"


def rule_set(tx):
    return tx.rule_set or rulesets.in_force(tx.station, PROCEDURE)


def param(tx, name):
    return rulesets.param(rule_set(tx), name)


def fraction(tx, name):
    return rulesets.fraction(rule_set(tx), name)


def source(tx, name):
    return rulesets.source(rule_set(tx), name)


def local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def yuan(amount) -> str:
    return f"{amount:,.2f}" if amount is not None else "—"


def violation(tx, name, text, rule, **values):
    """A RuleViolation naming the rule, its parameter's source and what is needed."""
    message = _("%(text)s (%(source)s)") % {"text": text % values, "source": source(tx, name)}
    return RuleViolation(message, rule=rule)


def round_of(tx) -> SaleRound:
    """The records of the transaction's current round: saved from the appraisal on; before
    that an empty, unsaved one (a read never writes)."""
    return (SaleRound.objects.filter(transaction_id=tx.pk, round=tx.round).first()
            or SaleRound(transaction_id=tx.pk, round=tx.round))


def bid_round_of(tx):
    """The latest round of sealed offers of the current round (None before one opens)."""
    return selectors_sealed.round_of(tx)


def _checked(tx, code):
    if tx is None:
        raise InvalidInput(_("no transaction with code %(code)s") % {"code": code})
    if tx.type != PROCEDURE:
        raise InvalidInput(_("%(code)s is not an asset sale") % {"code": code})
    return tx.as_procedure()


def find(code):
    """The asset sale `code` (not locked: the step's service locks it)."""
    return _checked(Transaction.objects.filter(code=code).first(), code)


def locked(code):
    """The asset sale `code`, its row locked (steps that are not stage changes)."""
    return _checked(Transaction.objects.select_for_update().filter(code=code).first(), code)


def holds(user, role, tx) -> bool:
    if user is None or not user.is_authenticated:
        return False
    for m in user.memberships.all():
        if m.role == role and m.station_id == tx.station_id:
            if role != Role.PURCHASER or m.unit_id == tx.unit_id:
                return True
    return False


def clerk_transaction(code, user, *, stages):
    """Inside a database transaction: the asset sale locked, if `user` is a clerk of its
    station and it is at one of `stages`."""
    if not db_transaction.get_connection().in_atomic_block:
        raise RuntimeError("clerk_transaction runs inside the step's database transaction")
    tx = locked(code)
    if not holds(user, Role.CLERK, tx):
        raise NotPermitted(_("this is done by a clerk of %(station)s") % {"station": tx.station})
    stage_is(tx, stages)
    return tx


def stage_is(tx, stages):
    if tx.stage not in stages:
        raise StageConflict(_("%(code)s is at stage “%(stage)s”, where this is not possible")
                            % {"code": tx.code, "stage": tx.stage_label()}, stage=tx.stage)
