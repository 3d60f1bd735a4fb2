"""Recording and reading milestones (trading/models/milestones.py)."""

from .. import clock
from ..models import Milestone


def milestone_reach(transaction, name: str, *, round: int | None = None, at=None) -> Milestone:
    """Record that `transaction` reached `name` in its current round (once; a second call
    returns the first record)."""
    milestone, _created = Milestone.objects.get_or_create(
        transaction_id=transaction.pk, round=transaction.round if round is None else round, name=name,
        defaults={"reached_at": at or clock.now()},
    )
    return milestone


def milestone_reached(transaction, name: str, *, round: int | None = None) -> bool:
    return Milestone.objects.filter(transaction_id=transaction.pk,
                                    round=transaction.round if round is None else round, name=name).exists()


def milestone_at(transaction, name: str, *, round: int | None = None):
    """When the milestone was reached in the round (None if not)."""
    return (Milestone.objects.filter(transaction_id=transaction.pk,
                                     round=transaction.round if round is None else round, name=name)
            .values_list("reached_at", flat=True).first())
