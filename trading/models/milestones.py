"""Milestones: what a transaction has reached, recorded when it happens (the deadline
passed and the bids closed, the bids opened, the evaluation done, the result published...).

Who may see what is decided from these records, never from sets of stage names kept by
hand: a result that was published stays public when the transaction is later suspended,
terminated or archived. Procedures and the bidding steps record them with
`trading.services.milestones.milestone_reach`; the names are the procedure-neutral
constants of `Milestone` (a procedure may add its own).
"""

from django.db import models

from .transactions import Transaction


class Milestone(models.Model):
    BIDS_CLOSED = "bids_closed"
    BIDS_OPENED = "bids_opened"
    EVALUATED = "evaluated"
    AWARDED = "awarded"
    RESULT_PUBLISHED = "result_published"
    CONTRACTED = "contracted"

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="milestones")
    round = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=32)
    reached_at = models.DateTimeField()

    class Meta:
        ordering = ["reached_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round", "name"], name="trading_milestone_once"),
        ]

    def __str__(self):
        return f"{self.transaction_id} r{self.round} {self.name}"
