"""The asset sale's own records: its stages, what each round of the listing fixes (the
appraisal, the disclosure notice's terms, the close, the deal and what follows it), and
the buyers who registered for a round.

A relisting is a new round of the same transaction: a new `SaleRound` row. Sealed offers
(a negotiation's rounds, a sealed competition) live in `bidding.BidRound`s; the online
auction in `bidding.Auction`. The stage machine is `machine.AssetSale`; `models.py`
imports both so that Django registers them when the app loads.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetSaleStage(models.TextChoices):
    APPRAISED = "appraised", _("appraisal recorded")
    DISCLOSING = "disclosing", _("disclosure (buyers register)")
    UNSOLD = "unsold", _("unsold: no qualified buyer")
    NEGOTIATING = "negotiating", _("negotiating with the one buyer")
    COMPETING = "competing", _("competition among the buyers")
    OFFERING = "offering", _("sealed offers being received")
    OFFERS_CLOSED = "offers_closed", _("sealed offers closed")
    OFFERS_OPENED = "offers_opened", _("sealed offers opened")
    AUCTIONING = "auctioning", _("online auction")
    DEAL = "deal", _("deal (成交)")
    NO_SALE = "no_sale", _("no sale")
    CONFIRMED = "confirmed", _("deal confirmed (成交确认书)")
    PAID = "paid", _("price paid")
    RESULT_PUBLICISED = "result_publicised", _("result publicised")
    TRANSFERRED = "transferred", _("asset transferred")


class CompetitionMethod(models.TextChoices):
    SEALED = "sealed", _("sealed best offers")
    AUCTION = "auction", _("online ascending auction")


class DealMethod(models.TextChoices):
    NEGOTIATION = "negotiation", _("negotiated transfer with the one buyer")
    SEALED = "sealed", _("sealed best offers")
    AUCTION = "auction", _("online ascending auction")


MONEY = {"max_digits": 14, "decimal_places": 2}


class SaleRound(models.Model):
    """What one round of the listing fixes (every time is a real moment, docs/clock.md)."""

    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="sale_rounds")
    round = models.PositiveSmallIntegerField(default=1)
    # The appraisal (评估), recorded by the selling unit before the listing.
    appraiser = models.CharField(_("appraiser"), max_length=200, blank=True)
    appraised_value = models.DecimalField(_("appraised value (yuan)"), null=True, blank=True, **MONEY)
    appraised_on = models.DateField(_("appraisal date"), null=True, blank=True)
    appraisal_document = models.ForeignKey("trading.Document", on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+")
    appraisal_recorded_at = models.DateTimeField(null=True, blank=True)
    # The disclosure notice's terms (信息披露公告).
    listing_price = models.DecimalField(_("listing price (yuan)"), null=True, blank=True, **MONEY)
    reserve_price = models.DecimalField(_("reserve price (yuan)"), null=True, blank=True, **MONEY)
    method = models.CharField(_("competition method"), max_length=16, choices=CompetitionMethod.choices, blank=True)
    increment = models.DecimalField(_("auction increment (yuan)"), null=True, blank=True, **MONEY)
    countdown_seconds = models.PositiveIntegerField(_("auction countdown (seconds)"), null=True, blank=True)
    deposit = models.DecimalField(_("deposit (yuan)"), null=True, blank=True, **MONEY)
    # A relisting below relist_approval_below_share of the appraisal needs a recorded approval.
    price_approval_document = models.ForeignKey("trading.Document", on_delete=models.PROTECT, null=True,
                                                blank=True, related_name="+")
    notice = models.ForeignKey("trading.Notice", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    disclosure_started_at = models.DateTimeField(null=True, blank=True)
    disclosure_until = models.DateTimeField(null=True, blank=True)
    disclosure_restarts = models.PositiveSmallIntegerField(default=0)
    # The close.
    closed_at = models.DateTimeField(null=True, blank=True)
    qualified_count = models.PositiveSmallIntegerField(null=True, blank=True)
    # The deal (成交) and what follows it.
    buyer = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    price = models.DecimalField(_("price (yuan)"), null=True, blank=True, **MONEY)
    deal_method = models.CharField(max_length=16, choices=DealMethod.choices, blank=True)
    deal_at = models.DateTimeField(null=True, blank=True)
    no_sale_reason = models.TextField(blank=True)
    confirmation_document = models.ForeignKey("trading.Document", on_delete=models.PROTECT, null=True, blank=True,
                                              related_name="+")
    deal_seq = models.PositiveBigIntegerField(null=True, blank=True)  # the deal's ledger entry
    checkpoint_size = models.PositiveBigIntegerField(null=True, blank=True)  # the checkpoint covering it
    confirmed_at = models.DateTimeField(null=True, blank=True)
    payment_due_by = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    paid_amount = models.DecimalField(null=True, blank=True, **MONEY)
    paid_recorded_at = models.DateTimeField(null=True, blank=True)
    defaulted_at = models.DateTimeField(null=True, blank=True)
    result_notice = models.ForeignKey("trading.Notice", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    publicity_until = models.DateTimeField(null=True, blank=True)
    transferred_on = models.DateField(null=True, blank=True)
    transfer_document = models.ForeignKey("trading.Document", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+")

    class Meta:
        app_label = "asset_sale"
        verbose_name = _("round of an asset sale")
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round"], name="asset_sale_round_once"),
            models.CheckConstraint(condition=models.Q(appraised_value__isnull=True) | models.Q(appraised_value__gt=0),
                                   name="asset_sale_appraisal_positive"),
            models.CheckConstraint(condition=models.Q(listing_price__isnull=True) | models.Q(listing_price__gt=0),
                                   name="asset_sale_listing_positive"),
            models.CheckConstraint(condition=models.Q(increment__isnull=True) | models.Q(increment__gt=0),
                                   name="asset_sale_increment_positive"),
        ]

    def __str__(self):
        return f"asset sale {self.transaction_id} round {self.round}"


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("awaiting the clerk's decision")
    QUALIFIED = "qualified", _("qualified")
    REFUSED = "refused", _("refused")


class BuyerRegistration(models.Model):
    """A prospective buyer (意向受让方) registered for one round: qualified or refused by the
    clerk with a recorded reason; its deposit recorded (not handled by the platform).
    Secret until the close: who and how many."""

    sale_round = models.ForeignKey(SaleRound, on_delete=models.PROTECT, related_name="registrations")
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT,
                                    related_name="sale_registrations")
    company = models.ForeignKey("bidding.Company", on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    deposit_amount = models.DecimalField(_("deposit received (yuan)"), null=True, blank=True, **MONEY)
    deposit_paid_on = models.DateField(_("deposit paid on"), null=True, blank=True)
    deposit_recorded_at = models.DateTimeField(null=True, blank=True)
    deposit_forfeited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "asset_sale"
        ordering = ["registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sale_round", "company"], name="asset_sale_registration_once"),
            models.CheckConstraint(condition=~models.Q(status="refused") | ~models.Q(reason=""),
                                   name="asset_sale_refusal_has_reason"),
        ]

    def __str__(self):
        return f"{self.company} for {self.sale_round}"
