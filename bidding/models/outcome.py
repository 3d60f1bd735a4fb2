"""After the result: challenges by suppliers (质疑) and the contract."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Challenge(models.Model):
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="challenges")
    round = models.PositiveSmallIntegerField(default=1)
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="challenges")
    text = models.TextField(_("challenge"))
    filed_at = models.DateTimeField()
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
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
