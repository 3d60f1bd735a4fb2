"""The online ascending auction (网络竞价): procedure-neutral.

An `Auction` belongs to one round of a transaction: a starting price, a fixed increment,
a reserve, and a countdown that restarts on every accepted bid. Its admitted `bidders`
are shown by a per-auction random number only. Every accepted `AuctionBid` is kept with
the server's time of arrival and of acceptance and the end time it set; prices strictly
increase by at least the increment (a database constraint keeps them unique per
auction, the row lock on the auction orders them). `version` grows with every change, so
a live page learns cheaply that something happened. bidding/services/auctions.py runs it;
bidding/auction_replay.py replays it from the ledger alone.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class AuctionOutcome(models.TextChoices):
    SOLD = "sold", _("sold to the highest bid at or above the reserve")
    NO_SALE = "no_sale", _("no bid at or above the reserve")
    CANCELLED = "cancelled", _("cancelled: the procedure ended")


class Auction(models.Model):
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="auctions")
    procedure_round = models.PositiveSmallIntegerField(_("round of the procedure"))
    starting_price = models.DecimalField(_("starting price (yuan)"), **MONEY)
    increment = models.DecimalField(_("increment (yuan)"), **MONEY)
    reserve_price = models.DecimalField(_("reserve price (yuan)"), **MONEY)
    countdown_seconds = models.PositiveIntegerField(_("countdown (real seconds)"))
    # Real seconds after the end before the auction closes: bids that arrived before the
    # end but wait for the row lock behind others are taken in (docs/clock.md).
    grace_seconds = models.PositiveSmallIntegerField(default=2)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))  # the current end: restarts with each accepted bid
    current_price = models.DecimalField(null=True, blank=True, **MONEY)
    leader = models.ForeignKey("bidding.AuctionBidder", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    bid_count = models.PositiveIntegerField(default=0)
    version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # While the procedure is suspended by a supervisor: when the pause began. The countdown
    # left at that moment is given back on resumption (auction.paused, auction.resumed).
    paused_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=AuctionOutcome.choices, blank=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")
        constraints = [
            models.UniqueConstraint(fields=["transaction", "procedure_round"], name="bidding_auction_once"),
            models.CheckConstraint(condition=models.Q(increment__gt=0) & models.Q(starting_price__gt=0)
                                   & models.Q(countdown_seconds__gt=0), name="bidding_auction_positive"),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="bidding_auction_ends_after_start"),
        ]

    def __str__(self):
        return f"auction {self.transaction_id} r{self.procedure_round}"


class AuctionBidder(models.Model):
    """A party admitted to the auction, known to the others by its number only."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bidders")
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    admitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["auction", "company"], name="bidding_auction_bidder_once"),
            models.UniqueConstraint(fields=["auction", "number"], name="bidding_auction_number_once"),
        ]

    def __str__(self):
        return f"No. {self.number} of {self.auction}"


class AuctionBid(models.Model):
    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bids")
    bidder = models.ForeignKey(AuctionBidder, on_delete=models.PROTECT, related_name="bids")
    seq = models.PositiveIntegerField()  # 1, 2, ... in order of acceptance
    amount = models.DecimalField(**MONEY)
    received_at = models.DateTimeField()  # when the bid reached the server (decides "before the end")
    accepted_at = models.DateTimeField()  # when it took the auction's lock and was accepted
    ends_at = models.DateTimeField()  # the end it set: accepted_at + the countdown
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["auction", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "seq"], name="bidding_auction_bid_seq_once"),
            models.UniqueConstraint(fields=["auction", "amount"], name="bidding_auction_bid_amount_once"),
            models.UniqueConstraint(fields=["bidder", "idempotency_key"], condition=~models.Q(idempotency_key=""),
                                    name="bidding_auction_bid_key_once"),
        ]

    def __str__(self):
        return f"{self.auction} bid {self.seq}: {self.amount}"
