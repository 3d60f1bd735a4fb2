"""Sealed quotes and their opening (DOMAIN.md, "Sealed bids"; docs/sealed-bids.md).

Before the deadline the server holds envelopes it cannot read: the opening key's private
half is never stored; its shares are sealed to the custodians' keys, whose private halves
are stored only under each custodian's own passphrase.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CustodianKey(models.Model):
    """A custodian's X25519 key; the private half encrypted under its passphrase."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="custodian_key")
    public_key = models.BinaryField(max_length=32)
    salt = models.BinaryField(max_length=16)
    nonce = models.BinaryField(max_length=12)
    ciphertext = models.BinaryField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("custodian key")
        verbose_name_plural = _("custodian keys")

    def __str__(self):
        return f"custodian key of {self.user}"


class OpeningKey(models.Model):
    """The public half of a round's opening key, split k-of-n among custodians."""

    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="opening_keys")
    round = models.PositiveSmallIntegerField(default=1)
    public_key = models.BinaryField(max_length=32)
    k = models.PositiveSmallIntegerField()
    n = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("opening key")
        verbose_name_plural = _("opening keys")
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round"], name="bidding_opening_key_once"),
            models.CheckConstraint(condition=models.Q(k__gte=2) & models.Q(k__lte=models.F("n")),
                                   name="bidding_opening_key_k_of_n"),
        ]

    def __str__(self):
        return f"opening key {self.transaction_id} r{self.round}"


class CustodianShare(models.Model):
    opening_key = models.ForeignKey(OpeningKey, on_delete=models.PROTECT, related_name="shares")
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="custodian_shares")
    role = models.CharField(max_length=16)  # clerk, supervisor, purchaser
    index = models.PositiveSmallIntegerField()
    sealed_share = models.BinaryField()  # HPKE to the custodian's key
    share_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opening_key", "index"], name="bidding_share_index"),
            models.UniqueConstraint(fields=["opening_key", "custodian"], name="bidding_share_custodian"),
        ]

    def __str__(self):
        return f"share {self.index} of {self.opening_key}"


class InvitationMethod(models.TextChoices):
    DRAW = "draw", _("random draw from the supplier pool")
    NOTICE = "notice", _("public notice")
    RECOMMENDATION = "recommendation", _("written recommendation")


class Invitation(models.Model):
    """A supplier invited to quote. Secret until the quotes are opened (who and how many)."""

    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="invitations")
    round = models.PositiveSmallIntegerField(default=1)
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="invitations")
    method = models.CharField(max_length=16, choices=InvitationMethod.choices)
    invited_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round", "company"], name="bidding_invitation_once"),
        ]

    def __str__(self):
        return f"{self.company} invited to {self.transaction_id}"


class Quote(models.Model):
    """A sealed quote as received: the envelope, its commitment, the signed receipt."""

    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="quotes")
    round = models.PositiveSmallIntegerField(default=1)
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="quotes")
    envelope = models.BinaryField()
    commitment = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField()
    receipt = models.TextField()
    idempotency_key = models.CharField(max_length=100, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("sealed quote")
        verbose_name_plural = _("sealed quotes")
        constraints = [
            # The inquiry rule: one quote per supplier, which it cannot change.
            models.UniqueConstraint(fields=["transaction", "round", "company"], name="bidding_quote_once"),
        ]

    def __str__(self):
        return self.commitment


class Opening(models.Model):
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="openings")
    round = models.PositiveSmallIntegerField(default=1)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    custodians = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round"], name="bidding_opening_once"),
        ]

    def __str__(self):
        return f"opening {self.transaction_id} r{self.round}"


class OpeningRecord(models.Model):
    """One line of the published opening record."""

    OPENED = "opened"
    FAILED = "failed"

    opening = models.ForeignKey(Opening, on_delete=models.PROTECT, related_name="records")
    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="opening_record")
    outcome = models.CharField(max_length=8, choices=[(OPENED, _("opened")), (FAILED, _("did not decrypt"))])
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.quote} {self.outcome}"
