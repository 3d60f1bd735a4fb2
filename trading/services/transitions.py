"""The single way a transaction's stage changes.

`transaction_transition` locks the row, turns it into its procedure's class, checks
that the move exists from the current stage (else StageConflict: someone changed it
first), that the user holds the acting role (NotPermitted) and that every rule holds
(RuleViolation naming the rule), runs the django-fsm transition, saves, and records the
`transition` ledger entry, all in one database transaction. Concurrent attempts at the
same move give exactly one success: the row lock (PostgreSQL) or the write lock (SQLite)
orders them, the second finds the stage changed, and ConcurrentTransitionMixin refuses a
stale save as a last line of defence.
"""

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record

from .. import clock, registry, rules
from ..errors import InvalidInput, NotFound, NotPermitted, RuleViolation, StageConflict
from ..models import Role, Stage, Transaction
from ..text import clean_text
from .messages import queue_notify_waiting


def _fsm_transition(obj, action):
    """The django-fsm Transition object for `action` from the current stage, or None."""
    if action not in type(obj).transition_names():
        return None
    meta = getattr(type(obj), action)._django_fsm
    return meta.get_transition(obj.stage)


def record_transition(obj, *, action, before, user, role, extra):
    data = {"type": obj.type, "action": action, "from": before, "to": obj.stage, **extra}
    if obj.time_factor > 1:
        # A sandbox transaction: its procedure time runs faster (docs/clock.md).
        data["time_factor"] = obj.time_factor
    ledger_record(
        kind="transition",
        subject=obj.code,
        actor=ledger_actor(role, user.ledger_name() if user else "scheduler"),
        data=data,
    )


def transaction_transition(*, code: str, action: str, user, expected_stage: str | None = None,
                           reason: str = "", system: bool = False, **params):
    """Perform `action` on the transaction `code` as `user` (or as the system clock when
    `system`); returns the transaction in its new stage."""
    with db_transaction.atomic():
        obj = Transaction.objects.select_for_update().filter(code=code).first()
        if obj is None:
            raise NotFound(_("no transaction with code %(code)s") % {"code": code})
        obj.as_procedure()
        if action not in type(obj).transition_names():
            raise InvalidInput(_("unknown action: %(action)s") % {"action": action})
        label = obj.stage_label()
        if expected_stage and expected_stage != obj.stage:
            raise StageConflict(
                _("already changed: %(code)s is now at stage “%(stage)s”; reload and try again")
                % {"code": code, "stage": label},
                stage=obj.stage,
            )
        fsm = _fsm_transition(obj, action)
        if fsm is None:
            raise StageConflict(
                _("%(code)s is at stage “%(stage)s”, where “%(action)s” is not possible "
                  "(it may have just been changed by someone else)")
                % {"code": code, "stage": label, "action": obj.action_label(action)},
                stage=obj.stage,
            )
        role = fsm.custom.get("role")
        if not system and (user is None or not fsm.has_perm(obj, user)):
            raise NotPermitted(
                _("“%(action)s” is done by a %(role)s of %(station)s for this transaction")
                % {"action": obj.action_label(action), "role": role_label(role), "station": obj.station},
            )
        if fsm.custom.get("needs_reason"):
            reason = clean_text(reason, field=_("reason"), max_length=2000, multiline=True)
        elif reason:
            reason = clean_text(reason, field=_("reason"), max_length=2000, required=False,
                                multiline=True)
        failing = rules.first_failing(fsm.conditions, obj)
        if failing is not None:
            if failing.stage_rule:
                raise StageConflict(failing.explain(obj), stage=obj.stage)
            raise RuleViolation(failing.explain(obj), rule=failing.code)
        before = obj.stage
        extra = getattr(obj, action)(now=clock.now(), reason=reason, user=user, **params) or {}
        # When the clock's tick must look at it again (deadlines of the new stage).
        obj.next_check = next_check_of(obj)
        obj._stage_change_ledgered = True
        try:
            obj.save()
        except ConcurrentTransition:
            raise StageConflict(
                _("already changed: %(code)s was changed by someone else; reload and try again")
                % {"code": code}
            ) from None
        record_transition(
            obj, action=action, before=before, user=None if system else user,
            role="system" if system else role, extra=extra,
        )
        queue_notify_waiting(obj, None if system else user)
    return obj


def next_check_of(obj):
    """Real time at which the clock's tick must look at `obj` again: the earliest moment a
    time-driven move may become due (the machine's `wake_times`), never while suspended."""
    if obj.stage == Stage.SUSPENDED:
        return None
    times = [t for t in obj.wake_times() if t is not None]
    return min(times) if times else None


def action_label(action, transaction_type=None) -> str:
    """A move's label from its transition (the machine of `transaction_type`, or the common
    start's); untranslated names never reach a page."""
    machine = registry.find(transaction_type).machine if registry.find(transaction_type) else Transaction
    return machine.action_label(action)


def role_label(role):
    try:
        return str(Role(role).label)
    except ValueError:
        return str(role)
