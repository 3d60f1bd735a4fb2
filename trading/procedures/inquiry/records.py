"""The inquiry's own records: its stages, and what each round of it fixes along the way.

The quote deadline and the quotes live in the round's `bidding.BidRound`; the contract and
its acceptance in `bidding.Contract`/`Acceptance`. A new round of the same transaction
(after a termination by the quote rules) is a new `InquiryRound` row.

The stage machine is `machine.Inquiry`; `models.py` imports both so that Django
registers them when the app loads.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InquiryStage(models.TextChoices):
    GROUP_FORMED = "group_formed", _("inquiry group formed")
    NOTICE_ISSUED = "notice_issued", _("inquiry notice issued")
    QUOTING = "quoting", _("quoting")
    QUOTES_CLOSED = "quotes_closed", _("quotes closed")
    OPENED = "opened", _("quotes opened")
    EVALUATED = "evaluated", _("evaluated")
    AWARDED = "awarded", _("awarded")
    RESULT_PUBLISHED = "result_published", _("result published (challenge period)")
    RESULT_FINAL = "result_final", _("result final")
    CONTRACTED = "contracted", _("contracted")
    ACCEPTED = "accepted", _("accepted (performance checked)")


class InvitationMethod(models.TextChoices):
    DRAW = "draw", _("random draw from the supplier pool")
    RECOMMENDATION = "recommendation", _("written recommendation")


class InquiryRound(models.Model):
    """What one round of an inquiry fixes (every time is a real moment, docs/clock.md)."""

    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="inquiry_rounds")
    round = models.PositiveSmallIntegerField(default=1)
    price_composition = models.TextField(_("price composition"), blank=True)
    award_criterion = models.TextField(_("award criterion"), blank=True)
    invitation_method = models.CharField(_("how suppliers are invited"), max_length=16, blank=True,
                                         choices=InvitationMethod.choices)
    # Why the clerk invited named suppliers although a supplier draw was performed (shown to
    # supervisors; a performed draw otherwise binds).
    invitation_note = models.TextField(_("why not the drawn suppliers"), blank=True)
    notice_issued_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    confirm_by = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    result_due_by = models.DateTimeField(null=True, blank=True)
    result_published_at = models.DateTimeField(null=True, blank=True)
    challenge_until = models.DateTimeField(null=True, blank=True)
    contract_due_by = models.DateTimeField(null=True, blank=True)
    terminated_by_rule = models.BooleanField(default=False)

    class Meta:
        app_label = "trading"
        verbose_name = _("inquiry round")
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round"], name="trading_inquiry_round_once"),
        ]

    def __str__(self):
        return f"inquiry {self.transaction_id} round {self.round}"

