"""The open tender's own records: its stages, what each round of it fixes along the way,
the bidders' securities, and the technical documents a two-envelope bid refers to.

The bid deadline, the bids, their openings and the committee's work live in `bidding`
(the round's `BidRound`, `Bid`, `Opening`, `PanelMember`, `Assessment`, `Score`, `Award`,
`Challenge`, `Contract`). A new round of the same transaction (after a failure, 流标) is a
new `TenderRound` row, with its own bid round, draw, committee and award.

The stage machine is `machine.Tender`; `models.py` imports both so that Django registers
them when the app loads.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TenderStage(models.TextChoices):
    TENDERING = "tendering", _("tendering: documents issued, bids received")
    BIDS_CLOSED = "bids_closed", _("bids closed")
    FAILED = "failed", _("failed (流标)")
    COMMITTEE_FORMED = "committee_formed", _("evaluation committee formed")
    TECHNICAL_OPENED = "technical_opened", _("technical envelopes opened")
    OPENED = "opened", _("bids opened")
    EVALUATED = "evaluated", _("evaluated: candidates computed")
    CANDIDATES_PUBLISHED = "candidates_published", _("candidates publicised")
    AWARDED = "awarded", _("awarded")
    RESULT_PUBLISHED = "result_published", _("result published")
    CONTRACTED = "contracted", _("contracted")
    ACCEPTED = "accepted", _("accepted (performance checked)")


class EvaluationMethod(models.TextChoices):
    LOWEST_PRICE = "lowest_price", _("lowest evaluated price (经评审的最低投标价法)")
    SCORING = "scoring", _("comprehensive scoring (综合评估法)")


class FailureCause(models.TextChoices):
    TOO_FEW_BIDS = "too_few_bids", _("fewer bids than the minimum arrived by the deadline")
    ALL_REJECTED = "all_rejected", _("the committee rejected every bid")
    NO_CANDIDATE_LEFT = "no_candidate_left", _("no candidate is left to award")


# The criteria of comprehensive scoring, in the order the notice lists them.
CRITERIA = ("price", "technical", "commercial")


class TenderRound(models.Model):
    """What one round of a tender fixes (every time is a real moment, docs/clock.md)."""

    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="tender_rounds")
    round = models.PositiveSmallIntegerField(default=1)
    # The notice.
    notice_issued_at = models.DateTimeField(null=True, blank=True)
    documents_until = models.DateTimeField(_("documents available until"), null=True, blank=True)
    first_deadline = models.DateTimeField(_("bid deadline first announced"), null=True, blank=True)
    two_envelopes = models.BooleanField(_("two envelopes (technical, then price)"), default=False)
    method = models.CharField(_("evaluation method"), max_length=16, choices=EvaluationMethod.choices,
                              default=EvaluationMethod.LOWEST_PRICE)
    # Comprehensive scoring: {"price": "40.00", "technical": "45.00", "commercial": "15.00"}
    # (each the maximum points of its criterion; they add up to 100).
    weights = models.JSONField(default=dict, blank=True)
    max_price = models.DecimalField(_("maximum price (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    security_amount = models.DecimalField(_("bid security (yuan)"), max_digits=14, decimal_places=2, null=True,
                                          blank=True)
    # The evaluation.
    evaluated_at = models.DateTimeField(null=True, blank=True)
    report_sha256 = models.CharField(max_length=64, blank=True)
    score_sheets = models.JSONField(default=list, blank=True)  # [{"seat", "sha256"}], names with the result
    candidates_due_by = models.DateTimeField(null=True, blank=True)
    candidates_published_at = models.DateTimeField(null=True, blank=True)
    publicity_until = models.DateTimeField(null=True, blank=True)
    # The award and after.
    awarded_at = models.DateTimeField(null=True, blank=True)
    award_rank = models.PositiveSmallIntegerField(null=True, blank=True)  # the candidate awarded now
    # Candidates that declined or were disqualified: [{"rank", "supplier", "uscc", "reason", "document_sha256"}].
    passed_over = models.JSONField(default=list, blank=True)
    result_published_at = models.DateTimeField(null=True, blank=True)
    contract_due_by = models.DateTimeField(null=True, blank=True)
    refund_due_by = models.DateTimeField(null=True, blank=True)
    report_due_by = models.DateTimeField(null=True, blank=True)
    supervisor_report_sha256 = models.CharField(max_length=64, blank=True)
    supervisor_report_filed_at = models.DateTimeField(null=True, blank=True)
    failed_cause = models.CharField(max_length=20, blank=True, choices=FailureCause.choices)

    class Meta:
        verbose_name = _("tender round")
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round"], name="tender_round_once"),
            models.CheckConstraint(condition=models.Q(max_price__isnull=True) | models.Q(max_price__gt=0),
                                   name="tender_max_price_positive"),
            models.CheckConstraint(condition=models.Q(security_amount__isnull=True) | models.Q(security_amount__gt=0),
                                   name="tender_security_positive"),
        ]

    def __str__(self):
        return f"tender {self.transaction_id} round {self.round}"


class SecurityMethod(models.TextChoices):
    TRANSFER = "transfer", _("transfer from the bidder's basic account")
    GUARANTEE = "guarantee", _("bank guarantee (保函)")
    INSURANCE = "insurance", _("guarantee insurance (保证保险)")


class BidSecurity(models.Model):
    """A bidder's bid security (投标保证金) as the clerk recorded it once the bids closed,
    and its refund. The money itself is held by the bank, not by the platform."""

    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField()
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    method = models.CharField(_("method"), max_length=16, choices=SecurityMethod.choices)
    received_on = models.DateField(_("received on"))
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    refunded_on = models.DateField(_("refunded on"), null=True, blank=True)
    refund_recorded_at = models.DateTimeField(null=True, blank=True)
    refund_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+")

    class Meta:
        verbose_name = _("bid security")
        verbose_name_plural = _("bid securities")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round", "company"], name="tender_security_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="tender_security_amount_positive"),
        ]

    def __str__(self):
        return f"security of {self.company_id} for {self.transaction_id} r{self.round}"


def _technical_path(instance, filename):
    return f"tender/technical/{instance.sha256[:2]}/{instance.sha256}"


class TechnicalDocument(models.Model):
    """The technical documents of a two-envelope bid, uploaded with it. The sealed technical
    envelope holds their SHA-256 only; the file is shown to nobody but its bidder until the
    technical envelopes are opened, and then to the committee and the station if its
    SHA-256 is the one the envelope holds."""

    bid_round = models.ForeignKey("bidding.BidRound", on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    file = models.FileField(upload_to=_technical_path, max_length=200)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["bid_round", "company", "sha256"], name="tender_technical_once"),
        ]

    def __str__(self):
        return self.name
