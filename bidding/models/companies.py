"""Suppliers (companies with a unified social credit code) and the station's pools of
suppliers and experts that draws are made from."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trading import clock


class Company(models.Model):
    """A supplier / bidder (供应商/投标人/意向受让方) registered on the platform."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=64)
    contact_phone = models.CharField(_("contact phone"), max_length=32)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Related parties (招标投标法实施条例第三十四条): the same legal representative (法定代表人,
    # stored normalised: NFKC, single spaces), or one company controlling another. A round
    # that excludes related parties refuses the second of them (BidRound.related_parties_rule).
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    controlled_by = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="controls",
                                      verbose_name=_("controlled by"),
                                      help_text=_("The company that holds a controlling interest in this one."))
    # The user accounts that act for the company (they hold the bidder role), each since
    # when: a representative sees and acts on the company's offers made since it joined.
    representatives = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="companies", blank=True,
                                             through="Representation")
    registered_at = models.DateTimeField(_("registered at"), default=clock.now, editable=False)

    # What identifies the company in a sealed offer: frozen while it has a live offer.
    IDENTITY_FIELDS = ("uscc", "name")

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(controlled_by=models.F("pk")),
                                   name="bidding_company_not_own_controller"),
        ]

    def __str__(self):
        return self.name


class Representation(models.Model):
    """A user who acts for a company, since when (docs/accounts.md)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="representations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="representations")
    since = models.DateTimeField(_("representative since"))

    class Meta:
        db_table = "bidding_company_representatives"
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="bidding_company_representatives_once"),
        ]

    def __str__(self):
        return f"{self.user} for {self.company}"


class SupplierPoolEntry(models.Model):
    """A supplier in a station's pool (供应商库), under a public number (S-0001) that draws
    use, so a draw can be recomputed without naming anyone before its time."""

    station = models.ForeignKey("trading.Station", on_delete=models.PROTECT, related_name="supplier_pool")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="pool_entries")
    number = models.CharField(_("pool number"), max_length=16)
    categories = models.CharField(_("categories"), max_length=200, blank=True,
                                  help_text=_("What it supplies, e.g. 计算机设备; free text"))
    active = models.BooleanField(_("active"), default=True)
    added_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("supplier pool entry")
        verbose_name_plural = _("supplier pool")
        ordering = ["station", "number"]
        constraints = [
            models.UniqueConstraint(fields=["station", "company"], name="bidding_supplier_pool_once"),
            models.UniqueConstraint(fields=["station", "number"], name="bidding_supplier_pool_number"),
        ]

    def __str__(self):
        return f"{self.number} {self.company}"


class ExpertPoolEntry(models.Model):
    """An expert in a station's pool (评审专家库), under a public number (E-0001)."""

    station = models.ForeignKey("trading.Station", on_delete=models.PROTECT, related_name="expert_pool")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_entries")
    number = models.CharField(_("pool number"), max_length=16)
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    employer = models.CharField(_("employer"), max_length=200, blank=True,
                                help_text=_("Used for recusal: an expert does not assess for its own employer."))
    active = models.BooleanField(_("active"), default=True)
    added_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("expert pool entry")
        verbose_name_plural = _("expert pool")
        ordering = ["station", "number"]
        constraints = [
            models.UniqueConstraint(fields=["station", "user"], name="bidding_expert_pool_once"),
            models.UniqueConstraint(fields=["station", "number"], name="bidding_expert_pool_number"),
        ]

    def __str__(self):
        return f"{self.number} {self.user}"


class Conflict(models.Model):
    """A declared conflict of interest: the expert is recused from draws for transactions
    of this owning unit, or where this supplier takes part."""

    expert = models.ForeignKey(ExpertPoolEntry, on_delete=models.CASCADE, related_name="conflicts")
    unit = models.ForeignKey("trading.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [
            models.CheckConstraint(condition=models.Q(unit__isnull=False) | models.Q(company__isnull=False),
                                   name="bidding_conflict_names_someone"),
        ]

    def __str__(self):
        return f"{self.expert}: {self.reason}"
