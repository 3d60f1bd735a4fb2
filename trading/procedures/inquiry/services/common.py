"""What every step of the inquiry needs: the rule set's numbers and sources, the round's
records, the transaction locked for a step that is not a stage change."""

from datetime import datetime

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bidding import selectors_sealed
from trading import rulesets
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Role, Transaction

from ..records import InquiryRound

PROCEDURE = "inquiry"


def rule_set(tx):
    return tx.rule_set or rulesets.in_force(tx.station, PROCEDURE)


def param(tx, name):
    return rulesets.param(rule_set(tx), name)


def source(tx, name):
    return rulesets.source(rule_set(tx), name)


def local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def violation(tx, name, text, rule, **values):
    """A RuleViolation naming the rule, its parameter's source and what is needed."""
    message = _("%(text)s (%(source)s)") % {"text": text % values, "source": source(tx, name)}
    return RuleViolation(message, rule=rule)


def round_of(tx) -> InquiryRound:
    """The records of the transaction's current round: saved from its notice on; before
    that an empty, unsaved one (a read never writes)."""
    return (InquiryRound.objects.filter(transaction_id=tx.pk, round=tx.round).first()
            or InquiryRound(transaction_id=tx.pk, round=tx.round))


def bid_round_of(tx):
    """The round's sealed quotes (None before the notice)."""
    return selectors_sealed.round_of(tx)


def find(code):
    """The inquiry `code` (not locked: the step's service locks it)."""
    tx = Transaction.objects.filter(code=code).first()
    if tx is None:
        raise InvalidInput(_("no transaction with code %(code)s") % {"code": code})
    if tx.type != PROCEDURE:
        raise InvalidInput(_("%(code)s is not an inquiry") % {"code": code})
    return tx.as_procedure()


def locked(code):
    """The inquiry `code`, its row locked (steps that are not stage changes)."""
    tx = Transaction.objects.select_for_update().filter(code=code).first()
    if tx is None:
        raise InvalidInput(_("no transaction with code %(code)s") % {"code": code})
    if tx.type != PROCEDURE:
        raise InvalidInput(_("%(code)s is not an inquiry") % {"code": code})
    return tx.as_procedure()


def clerk_transaction(code, user, *, stages):
    """Inside a database transaction: the inquiry locked, if `user` is a clerk of its
    station and it is at one of `stages`."""
    if not db_transaction.get_connection().in_atomic_block:
        raise RuntimeError("clerk_transaction runs inside the step's database transaction")
    tx = locked(code)
    if not user.memberships.filter(role=Role.CLERK, station_id=tx.station_id).exists():
        raise NotPermitted(_("this is done by a clerk of %(station)s") % {"station": tx.station})
    if tx.stage not in stages:
        raise StageConflict(_("%(code)s is at stage “%(stage)s”, where this is not possible")
                            % {"code": code, "stage": tx.stage_label()}, stage=tx.stage)
    return tx


def positive_int(value, field):
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise InvalidInput(_("%(field)s must be a whole number") % {"field": field}, field=field)
    number = int(text) if len(text) <= 6 else 10**6
    if number < 1 or number > 99:
        raise InvalidInput(_("%(field)s must be between 1 and 99") % {"field": field}, field=field)
    return number
