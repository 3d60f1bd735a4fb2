"""Bid rounds: the procedure-neutral frame of every sealed competition (quotes of an
inquiry, bids of a tender, offers of an asset sale).

A `BidRound` is one window in which admitted parties submit sealed offers: when it opens
and closes (the deadline, and a grace in which offers that arrived in time are still taken
in), who may bid (its `Admission`s: invited from a draw or a recommendation, or registered
and qualified), the policy (one sealed offer per party, or replaceable until the deadline,
or also withdrawable), the parts an offer has (one part, or e.g. a technical and a price
part opened at different moments), each part's opening key with its custodians, its
closing (`bids.closed`) and its openings. A new round of the same transaction is a new
row. The round knows nothing of the procedure that runs it.

Before the deadline the server holds envelopes it cannot read: an opening key's private
half is never stored; its shares are sealed to the custodians' keys, whose private halves
are stored only under each custodian's own passphrase (docs/sealed-bids.md).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trading import clock


class BidPolicy(models.TextChoices):
    ONCE = "once", _("one sealed offer per party, which cannot be changed")
    REPLACEABLE = "replaceable", _("an offer may be replaced until the deadline")
    WITHDRAWABLE = "withdrawable", _("an offer may be replaced or withdrawn until the deadline")


class AdmissionRule(models.TextChoices):
    INVITED = "invited", _("invited parties")
    REGISTERED = "registered", _("registered and qualified parties")


class BidRound(models.Model):
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="bid_rounds")
    seq = models.PositiveSmallIntegerField(_("bid round"))  # 1, 2, ... per transaction
    procedure_round = models.PositiveSmallIntegerField(_("round of the procedure"))
    opens_at = models.DateTimeField(_("opens at"))
    deadline = models.DateTimeField(_("deadline"))
    # Real seconds after the deadline before the round closes: offers that arrived before
    # the deadline but wait behind others for the row lock are taken in (docs/clock.md).
    grace_seconds = models.PositiveSmallIntegerField(default=3)
    admission = models.CharField(max_length=16, choices=AdmissionRule.choices, default=AdmissionRule.INVITED)
    policy = models.CharField(max_length=16, choices=BidPolicy.choices, default=BidPolicy.ONCE)
    parts = models.JSONField(default=list)  # part names in opening order, e.g. ["offer"]
    # Where the procedure's rules say related parties (the same legal representative, or one
    # controlling another: Company) cannot both bid in the round, the source of that rule;
    # empty: no such rule. A second offer from a related party is refused at submission.
    related_parties_rule = models.CharField(max_length=300, blank=True)
    # The version of the procedure's documents the round's offers answer: a change of the
    # documents raises it, and an offer sealed under an earlier version is opened only if
    # its bidder confirmed it since (Bid.documents_version).
    documents_version = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)  # bids.closed recorded
    # Never to be opened: closed early because the procedure ended, or failed by the
    # procedure's rules at its close (too few offers).
    cancelled = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("bid round")
        verbose_name_plural = _("bid rounds")
        ordering = ["transaction", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "seq"], name="bidding_round_seq_once"),
            models.CheckConstraint(condition=models.Q(deadline__gt=models.F("opens_at")),
                                   name="bidding_round_deadline_after_opening"),
        ]

    def __str__(self):
        return f"{self.transaction_id} bid round {self.seq}"

    @property
    def part_names(self) -> list[str]:
        return list(self.parts or ["offer"])


class AdmissionMethod(models.TextChoices):
    DRAW = "draw", _("random draw from the supplier pool")
    NOTICE = "notice", _("public notice")
    RECOMMENDATION = "recommendation", _("written recommendation")
    REGISTRATION = "registration", _("registered for the procedure")


class Admission(models.Model):
    """A party admitted to bid in a round (an invited supplier, a registered bidder or
    buyer). Secret until the round closes: who and how many."""

    bid_round = models.ForeignKey(BidRound, on_delete=models.PROTECT, related_name="admissions")
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="admissions")
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="admissions")
    method = models.CharField(max_length=16, choices=AdmissionMethod.choices)
    admitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bid_round", "company"], name="bidding_admission_once"),
        ]

    def __str__(self):
        return f"{self.company} admitted to {self.bid_round}"


class CustodianKey(models.Model):
    """A custodian's X25519 key; the private half encrypted under its passphrase."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="custodian_key")
    public_key = models.BinaryField(max_length=32)
    salt = models.BinaryField(max_length=16)
    nonce = models.BinaryField(max_length=12)
    ciphertext = models.BinaryField(max_length=64)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("custodian key")
        verbose_name_plural = _("custodian keys")

    def __str__(self):
        return f"custodian key of {self.user}"


class OpeningKey(models.Model):
    """The public half of the opening key of one part of a round's offers, split k-of-n
    among custodians."""

    bid_round = models.ForeignKey(BidRound, on_delete=models.PROTECT, related_name="opening_keys")
    part = models.CharField(max_length=16, default="offer")
    public_key = models.BinaryField(max_length=32)
    k = models.PositiveSmallIntegerField()
    n = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("opening key")
        verbose_name_plural = _("opening keys")
        constraints = [
            models.UniqueConstraint(fields=["bid_round", "part"], name="bidding_opening_key_once"),
            models.CheckConstraint(condition=models.Q(k__gte=2) & models.Q(k__lte=models.F("n")),
                                   name="bidding_opening_key_k_of_n"),
        ]

    def __str__(self):
        return f"opening key of {self.bid_round} ({self.part})"


class CustodianShare(models.Model):
    opening_key = models.ForeignKey(OpeningKey, on_delete=models.PROTECT, related_name="shares")
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="custodian_shares")
    role = models.CharField(max_length=16)  # clerk, supervisor, purchaser
    index = models.PositiveSmallIntegerField()
    sealed_share = models.BinaryField()  # HPKE to the custodian's key
    share_sha256 = models.CharField(max_length=64)
    # Wrong shares presented at an opening (tries are limited: docs/sealed-bids.md).
    failed_tries = models.PositiveSmallIntegerField(default=0)
    last_failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opening_key", "index"], name="bidding_share_index"),
            models.UniqueConstraint(fields=["opening_key", "custodian"], name="bidding_share_custodian"),
        ]

    def __str__(self):
        return f"share {self.index} of {self.opening_key}"
