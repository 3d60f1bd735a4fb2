"""Documents attached to a transaction, stored under their SHA-256.

The file is kept content-addressed under MEDIA_ROOT/documents/; the ledger holds the
hash, the name and the size, never the document (LEDGER.md section 2).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trading import clock

from .transactions import Transaction


class DocumentPurpose(models.TextChoices):
    APPROVAL = "approval", _("approval document")
    BUDGET = "budget", _("budget or appraisal report")
    SPECIFICATION = "specification", _("specification or requirements")
    CONTRACT = "contract", _("signed contract")
    ACCEPTANCE = "acceptance", _("acceptance report")
    CHALLENGE = "challenge", _("attachment to a challenge")
    OTHER = "other", _("other")


def _document_path(instance, filename):
    return f"documents/{instance.sha256[:2]}/{instance.sha256}"


class Document(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="documents")
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=DocumentPurpose.choices, default=DocumentPurpose.APPROVAL
    )
    name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(max_length=100, blank=True)
    file = models.FileField(upload_to=_document_path, max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "sha256"], name="trading_document_unique_per_tx"),
        ]

    def __str__(self):
        return self.name
