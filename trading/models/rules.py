"""Rule sets and the holiday calendar: the numbers the rules use and the days they count.

Every number of a procedure's rules (group size, minimum invitees, periods in working
days...) is a parameter of a versioned `RuleSet`; a station adopts one per procedure
(`RuleSetAdoption`), and the rule set in force is fixed on the transaction, and written
in the ledger, when its notice is issued. A published rule set is never edited: a change
is a new version.

Working days need the deployment's holiday calendar: official holidays and the adjusted
working days (调休) of each year, seeded from the `chinesecalendar` package and editable
in the admin. A year without a `CalendarYear` row has no data: computing a working-day
deadline that reaches into it is refused, never guessed. A *provisional* year is the
demo's stand-in (weekends only, entered by `seed_demo`, never by a real station's
defaults): it is counted, and marked wherever it is used, until the official year
replaces it (docs/rules.md).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trading import clock

from .people import Station
from .transactions import TransactionType


class RuleSet(models.Model):
    procedure = models.CharField(_("procedure"), max_length=16, choices=TransactionType.choices)
    code = models.SlugField(_("code"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    # {"name": value}: integers, or strings for fractions ("2/3"); see trading/rulesets.py.
    params = models.JSONField(_("parameters"))
    # {"name": "where the rule comes from"}, shown with every refusal.
    sources = models.JSONField(_("sources"))
    # SHA-256 of the canonical JSON of procedure, code, version, params and sources:
    # what the ledger records when a notice puts the rule set in force.
    digest = models.CharField(max_length=64, editable=False)
    published_at = models.DateTimeField(_("published at"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["procedure", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="trading_ruleset_code_version"),
        ]

    def __str__(self):
        return f"{self.code} v{self.version}"


class RuleSetAdoption(models.Model):
    """A station puts a rule set in force for its procedure from `adopted_at` on."""

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="rule_set_adoptions")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="adoptions")
    adopted_at = models.DateTimeField(_("adopted at"), default=clock.now, editable=False)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("rule set adoption")
        verbose_name_plural = _("rule set adoptions")
        ordering = ["-adopted_at", "-pk"]

    def __str__(self):
        return f"{self.station} · {self.rule_set}"


# How a provisional year is shown: in the admin, on the clerk's notice form, in docs/rules.md.
PROVISIONAL_LABEL = _("provisional: weekends only, not the State Council's holidays")


class CalendarYear(models.Model):
    """A year whose holidays and adjusted working days are known (entered or seeded), or
    a provisional stand-in the demo entered (`provisional`, no days: weekends only)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=200,
                              help_text=_("e.g. the State Council General Office notice of the year"))
    provisional = models.BooleanField(
        _("provisional"), default=False,
        help_text=_("A stand-in entered by the demo (weekends only, not the State Council's holidays). "
                    "Enter the official year (its days and the notice as source) and untick this before "
                    "any real use."))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    entered_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return f"{self.year} ({PROVISIONAL_LABEL})" if self.provisional else str(self.year)


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("holiday (no work)")
    WORKDAY = "workday", _("adjusted working day (调休上班)")


class CalendarDay(models.Model):
    """A day that is not what its weekday says: a holiday on a weekday, or a weekend day
    worked in exchange (调休)."""

    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"
