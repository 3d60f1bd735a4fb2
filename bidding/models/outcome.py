"""Challenges and objections (质疑, 异议) that pause a procedure's clock until answered,
the contract, and the acceptance of its performance (履约验收)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChallengeKind(models.TextChoices):
    RESULT = "result", _("challenge to the result (质疑)")
    DOCUMENTS = "documents", _("objection to the documents (异议)")
    OPENING = "opening", _("objection at the opening")
    CANDIDATES = "candidates", _("objection to the candidates")


class Challenge(models.Model):
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="challenges")
    round = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=16, choices=ChallengeKind.choices, default=ChallengeKind.RESULT)
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="challenges")
    text = models.TextField(_("challenge"))
    filed_at = models.DateTimeField()
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # An optional file the filer attaches (a trading Document of purpose "challenge").
    attachment = models.ForeignKey("trading.Document", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("attachment"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["filed_at", "pk"]

    def __str__(self):
        return f"challenge by {self.company} on {self.transaction_id}"


class Contract(models.Model):
    transaction = models.OneToOneField("trading.Transaction", on_delete=models.PROTECT, related_name="contract")
    award = models.ForeignKey("bidding.Award", on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="contracts")
    amount = models.DecimalField(_("contract amount (yuan)"), max_digits=14, decimal_places=2)
    signed_on = models.DateField(_("signed on"))
    document_sha256 = models.CharField(max_length=64)
    document_name = models.CharField(max_length=200)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self):
        return f"contract {self.transaction_id}"


class Acceptance(models.Model):
    """The purchaser's check of the contract's performance (履约验收)."""

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="acceptance")
    accepted_on = models.DateField(_("accepted on"))
    passed = models.BooleanField(_("acceptance passed"))
    remarks = models.TextField(_("acceptance remarks"), blank=True)
    document_sha256 = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")

    def __str__(self):
        return f"acceptance of {self.contract}"
