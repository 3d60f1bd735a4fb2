"""The clock's tick (Prozorro's chronograph): performs every time-driven move that is due.

A procedure's machine says when to look again (`wake_times()`: real moments, e.g. a bid
deadline plus its grace) and which moves the clock may perform (transitions marked
`system_only`), each guarded by the rules that make it due (`conditions`: the deadline has
passed, fewer than 3 bids arrived, no challenge waits for its answer...). The tick reads
only the transactions whose `next_check` has come and performs, through the same
`transaction_transition` as a user's move (as role `system`, with its ledger entry), the
first system move whose conditions all hold. Then it stores the next wake time.

Celery beat calls it every second in production; the embedded scheduler in `make run`.
A deadline therefore passes on time even when nobody clicks.
"""

import logging

from django.db import transaction as db_transaction

from .. import clock, rules
from ..errors import DomainError
from ..models import Stage, Transaction
from .transitions import next_check_of, transaction_transition

logger = logging.getLogger(__name__)


def due_system_move(obj) -> str | None:
    """The first move the clock may perform now from obj's stage (its rules all hold)."""
    if obj.stage == Stage.SUSPENDED:
        return None
    field = type(obj)._meta.get_field("stage")
    for transition in sorted(field.get_all_transitions(type(obj)), key=lambda t: t.name):
        if transition.custom.get("system_only") and transition.source in (obj.stage, "*") \
                and rules.first_failing(transition.conditions, obj) is None:
            return transition.name
    return None


def tick() -> int:
    """Perform what is due; returns how many moves were performed."""
    performed = 0
    due = list(Transaction.objects.filter(next_check__lte=clock.now()).exclude(stage=Stage.SUSPENDED)
               .values_list("code", flat=True)[:200])
    for code in due:
        obj = Transaction.objects.get(code=code).as_procedure()
        action = due_system_move(obj)
        if action is not None:
            try:
                transaction_transition(code=code, action=action, user=None, system=True, expected_stage=obj.stage)
                performed += 1
            except DomainError as exc:  # someone moved it first, or a rule now refuses it
                logger.info("tick: %s %s not performed: %s", code, action, exc.message)
        with db_transaction.atomic():
            fresh = Transaction.objects.select_for_update().get(code=code).as_procedure()
            Transaction.objects.filter(pk=fresh.pk).update(next_check=next_check_of(fresh))
    return performed


def refresh_next_check(transaction) -> None:
    """Store when the tick must look at `transaction` again (after a change that is not a
    stage change: a challenge filed or answered, a bid round's deadline moved)."""
    obj = Transaction.objects.get(pk=transaction.pk).as_procedure()
    Transaction.objects.filter(pk=obj.pk).update(next_check=next_check_of(obj))
