"""Sealed offers as received, and their opening.

A `Bid` is one sealed envelope of one part of a party's offer in a round: its bytes, its
commitment (SHA-256, LEDGER.md section 6), the signed receipt, and the identity it was
submitted under (the company's unified social credit code and name at arrival: what the
envelope must name, whatever happens to the company's record later). A replaced offer
stays as `superseded`, a withdrawn one as `withdrawn` with its withdrawal receipt; only
`live` bids are listed in `bids.closed` and opened.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BidStatus(models.TextChoices):
    LIVE = "live", _("live")
    SUPERSEDED = "superseded", _("replaced by a later offer")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Bid(models.Model):
    bid_round = models.ForeignKey("bidding.BidRound", on_delete=models.PROTECT, related_name="bids")
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="bids")
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="bids")
    part = models.CharField(max_length=16, default="offer")
    envelope = models.BinaryField()
    commitment = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField()
    receipt = models.TextField()
    idempotency_key = models.CharField(max_length=100, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The identity the offer was submitted under, fixed at arrival.
    bidder_uscc = models.CharField(max_length=18)
    bidder_name = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=BidStatus.choices, default=BidStatus.LIVE)
    superseded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_receipt = models.TextField(blank=True)
    # The round's documents version the offer answers: its version at arrival, raised when
    # the bidder confirms the offer after a change of the documents (signed receipt).
    documents_version = models.PositiveSmallIntegerField(default=1)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_receipt = models.TextField(blank=True)

    class Meta:
        verbose_name = _("sealed offer")
        verbose_name_plural = _("sealed offers")
        ordering = ["received_at", "pk"]
        constraints = [
            # At most one live offer per party and part in a round (the policy decides
            # whether a second one replaces it or is refused).
            models.UniqueConstraint(fields=["bid_round", "company", "part"], condition=models.Q(status="live"),
                                    name="bidding_bid_live_once"),
        ]
        indexes = [models.Index(fields=["bid_round", "status"], name="bidding_bid_round_status")]

    def __str__(self):
        return self.commitment


class Opening(models.Model):
    """The opening of one part of a round's offers, with k custodians."""

    bid_round = models.ForeignKey("bidding.BidRound", on_delete=models.PROTECT, related_name="openings")
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="openings")
    part = models.CharField(max_length=16, default="offer")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    custodians = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bid_round", "part"], name="bidding_opening_once"),
        ]

    def __str__(self):
        return f"opening of {self.bid_round} ({self.part})"


class OpeningRecord(models.Model):
    """One line of the published opening record."""

    OPENED = "opened"
    FAILED = "failed"
    UNOPENED = "unopened"  # not decrypted, for the recorded reason (not confirmed, did not pass...)

    opening = models.ForeignKey(Opening, on_delete=models.PROTECT, related_name="records")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="opening_record")
    outcome = models.CharField(max_length=8, choices=[(OPENED, _("opened")), (FAILED, _("did not decrypt")),
                                                      (UNOPENED, _("not opened"))])
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # An envelope that holds the SHA-256 of documents rather than a price (e.g. a technical part).
    content_sha256 = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return f"{self.bid} {self.outcome}"

    @property
    def opened(self) -> bool:
        return self.outcome == self.OPENED
