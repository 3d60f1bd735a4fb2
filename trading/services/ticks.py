"""The clock's tick (Prozorro's chronograph): performs every time-driven move that is due.

A procedure says what is due and when (`due_events(now)` on its class, in procedure
time); each transaction keeps `next_check`, the real time at which the tick must look at
it again, updated after every move. The tick reads only the due rows, performs each due
move through `transaction_transition` as the system, and draws whose checkpoint has
come. Celery beat calls it every second in production; the embedded scheduler thread in
`make run`. A deadline therefore passes on time even when nobody clicks.
"""

import logging

from django.db import transaction as db_transaction

from .. import clock
from ..errors import DomainError
from ..models import Stage, Transaction

logger = logging.getLogger(__name__)


def next_check_of(tx):
    """Real time of the earliest time-driven move of tx, or None."""
    obj = tx if hasattr(tx, "due_events") else Transaction.objects.get(pk=tx.pk).as_procedure()
    if not hasattr(obj, "due_events") or obj.stage == Stage.SUSPENDED:
        return None
    events = obj.due_events(clock.procedure_now(obj))
    if not events:
        return None
    return clock.real_time_of(obj, min(when for when, _action in events))


def tick() -> int:
    """Perform what is due; returns how many moves (and draws) were performed."""
    from bidding.services.draws import draws_perform_due

    from .transitions import transaction_transition

    performed = draws_perform_due()
    now = clock.now()
    due = list(Transaction.objects.filter(next_check__lte=now).exclude(stage=Stage.SUSPENDED)
               .values_list("code", flat=True)[:200])
    for code in due:
        obj = Transaction.objects.get(code=code).as_procedure()
        procedure_time = clock.procedure_now(obj)
        for when, action in getattr(obj, "due_events", lambda _now: [])(procedure_time):
            if procedure_time < when:
                continue
            try:
                transaction_transition(code=code, action=action, user=None, system=True,
                                       expected_stage=obj.stage)
                performed += 1
            except DomainError as exc:  # someone moved it first, or a rule now refuses it
                logger.info("tick: %s %s not performed: %s", code, action, exc.message)
            break
        with db_transaction.atomic():
            fresh = Transaction.objects.select_for_update().get(code=code).as_procedure()
            Transaction.objects.filter(pk=fresh.pk).update(next_check=next_check_of(fresh))
    return performed
