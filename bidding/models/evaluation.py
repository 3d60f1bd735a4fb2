"""Evaluation: the panel (an inquiry group 询价小组 or an evaluation committee 评标委员会),
each member's assessment (responsive or not, with a reason) and, where the documents say
so, scores of each opened offer, the signed report, and the award the rules compute.

The award method is a strategy (bidding/awards.py): lowest responsive price, comprehensive
scoring, highest offer at or above a reserve."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trading import clock


class PanelRole(models.TextChoices):
    EXPERT = "expert", _("expert")
    PURCHASER_REP = "purchaser_rep", _("purchaser's representative")


class PanelMember(models.Model):
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="panel")
    round = models.PositiveSmallIntegerField(default=1)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_seats")
    role = models.CharField(max_length=16, choices=PanelRole.choices)
    pool_entry = models.ForeignKey("bidding.ExpertPoolEntry", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    dissent = models.TextField(_("dissent"), blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round", "user"], name="bidding_panel_once"),
        ]

    def __str__(self):
        return f"{self.user} ({self.role})"


class Assessment(models.Model):
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="assessments")
    bid = models.ForeignKey("bidding.Bid", on_delete=models.PROTECT, related_name="assessments")
    responsive = models.BooleanField(_("responsive"))
    reason = models.TextField(_("reason"))
    assessed_at = models.DateTimeField(default=clock.now, editable=False)  # the platform clock, on every save

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "bid"], name="bidding_assessment_once"),
        ]

    def __str__(self):
        return f"{self.member}: {self.bid} {'✓' if self.responsive else '✗'}"

    def save(self, *args, **kwargs):
        self.assessed_at = clock.now()
        super().save(*args, **kwargs)


class Score(models.Model):
    """A member's points for one criterion (price, technical, commercial...) of one offer,
    on the scale the documents publish (0..the criterion's weight)."""

    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="scores")
    bid = models.ForeignKey("bidding.Bid", on_delete=models.PROTECT, related_name="scores")
    criterion = models.CharField(max_length=32)
    points = models.DecimalField(max_digits=6, decimal_places=2)
    scored_at = models.DateTimeField(default=clock.now, editable=False)  # the platform clock, on every save

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "bid", "criterion"], name="bidding_score_once"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="bidding_score_not_negative"),
        ]

    def __str__(self):
        return f"{self.member}: {self.bid} {self.criterion} {self.points}"

    def save(self, *args, **kwargs):
        self.scored_at = clock.now()
        super().save(*args, **kwargs)


class Award(models.Model):
    """What the rules computed from the signed report, and how it was confirmed."""

    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="awards")
    round = models.PositiveSmallIntegerField(default=1)
    bid = models.ForeignKey("bidding.Bid", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    ranking = models.JSONField(default=list)  # [{"rank", "company", "uscc", "price", "commitment", ...}]
    computed_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    confirmed_by_silence = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round"], name="bidding_award_once"),
        ]

    def __str__(self):
        return f"award {self.transaction_id} r{self.round}"
