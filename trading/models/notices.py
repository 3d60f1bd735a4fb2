"""Notices: what the station publishes about a transaction (notices, results, termination
and failure notices, contracts), and the notices addressed to one supplier (成交通知书,
结果通知书). A public notice's text is hashed into the ledger when it is published."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .transactions import Transaction


class NoticeKind(models.TextChoices):
    INQUIRY = "inquiry_notice", _("inquiry notice")
    TENDER = "tender_notice", _("tender notice")
    DISCLOSURE = "disclosure", _("disclosure notice")
    CLARIFICATION = "clarification", _("clarification or change")
    FAILURE = "failure", _("failure notice")
    CANDIDATES = "candidates", _("candidates notice")
    CONFIRMATION = "confirmation", _("confirmation of the deal")
    RESULT = "result", _("result notice")
    TERMINATION = "termination", _("termination notice")
    AWARD = "award", _("award notice to the supplier")
    OUTCOME = "outcome", _("result notice to a supplier")
    CHALLENGE_ANSWER = "challenge_answer", _("answer to a challenge")
    CONTRACT = "contract", _("contract notice")


class Notice(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="notices")
    round = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    # None: public. Otherwise the only supplier who sees it.
    addressee = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="notices")
    sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    # A change notice (更正公告) names the notice it changes.
    changes = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="changed_by")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["published_at", "pk"]
        indexes = [models.Index(fields=["transaction", "kind"], name="trading_notice_tx_kind")]

    def __str__(self):
        return self.title
