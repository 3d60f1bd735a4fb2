"""People, stations and roles.

A county deployment has several township stations. A user holds roles per station
(`Membership`); supervisors may hold memberships at several stations. The name shown in
the ledger is the user's full name with the role it acted in.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PURCHASER = "purchaser", _("purchaser")
    CLERK = "clerk", _("clerk")
    BIDDER = "bidder", _("bidder")
    EXPERT = "expert", _("expert")
    SUPERVISOR = "supervisor", _("supervisor")


class User(AbstractUser):
    full_name = models.CharField(
        _("full name"), max_length=64, help_text=_("Shown in the public ledger with the role.")
    )

    def ledger_name(self) -> str:
        return self.full_name or self.username

    def roles_at(self, station) -> set[str]:
        return {m.role for m in self.memberships.all() if m.station_id == station.pk}

    def has_role(self, role, station=None) -> bool:
        return any(
            m.role == role and (station is None or m.station_id == station.pk)
            for m in self.memberships.all()
        )

    def stations_for(self, role):
        return Station.objects.filter(memberships__user=self, memberships__role=role).distinct()


class Station(models.Model):
    """A township public-resource trading station (乡镇公共资源交易站)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    county = models.CharField(_("county"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Unit(models.Model):
    """An owning unit (采购人/招标人/转让方) that files transactions at a station."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("owning unit")
        verbose_name_plural = _("owning units")
        ordering = ["station", "name"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="trading_unit_unique_name"),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A role held by a user at a station; a purchaser acts for one owning unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="purchasers",
        help_text=_("For purchasers: the unit they represent."),
    )

    class Meta:
        verbose_name = _("role membership")
        verbose_name_plural = _("role memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "station", "role"], name="trading_membership_unique"),
            models.CheckConstraint(
                condition=~models.Q(role="purchaser") | models.Q(unit__isnull=False),
                name="trading_membership_purchaser_has_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]),
                name="trading_membership_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.station}"


class LoginFailure(models.Model):
    """A failed login, kept for the window of the login limits (docs/accounts.md).
    `address` is the client's address as the limits count it (an IPv6 address by its /64
    network); null when the server saw none."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["username", "address", "at"], name="loginfailure_pair_at")]

    def __str__(self):
        return f"{self.username} {self.address} {self.at:%Y-%m-%d %H:%M}"


class LoginAddress(models.Model):
    """An address a user has logged in from, and when last: a familiar address, which
    the per-address limit and the per-account slowdown let through (docs/accounts.md)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_addresses")
    address = models.GenericIPAddressField()
    last_login_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "address"], name="loginaddress_one_per_user_address")]

    def __str__(self):
        return f"{self.user} {self.address} {self.last_login_at:%Y-%m-%d %H:%M}"
