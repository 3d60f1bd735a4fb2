"""A transaction (交易项目) and the common start of every procedure.

Stages common to all three procedures (DOMAIN.md, "Common start"):

    draft -> submitted -> registered (进场登记)      rejected -> draft (revise)
    draft | submitted -> withdrawn
    <live stage> -> suspended -> <the same live stage>   (supervisor)
    <live stage> | suspended -> terminated -> archived  (clerk, published reason)
    rejected | withdrawn -> archived

`Transaction` holds these transitions; each procedure package (trading/procedures/<name>/)
defines a proxy class with its own stages after `registered`, its final stages and its
own models, and registers it (trading/registry.py). `as_procedure()` turns a loaded row
into its procedure's class. Every transition carries its label (`custom["label"]`), the
role that performs it and the rules (django-fsm `conditions`) that must hold.

A stage only changes through `trading.services.transitions.transaction_transition`,
which records the ledger entry in the same database transaction; `save()` refuses a
stage change that did not come that way.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition

from trading import clock

from .. import registry, rules
from .people import Role, Station, Unit


class TransactionType(models.TextChoices):
    INQUIRY = "inquiry", _("inquiry-priced procurement")
    TENDER = "tender", _("open tender")
    ASSET_SALE = "asset_sale", _("negotiated asset sale")


class Stage(models.TextChoices):
    """Stages of the common start; procedures add their own (see their STAGES)."""

    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for entry")
    REGISTERED = "registered", _("registered")
    REJECTED = "rejected", _("entry refused")
    WITHDRAWN = "withdrawn", _("withdrawn")
    SUSPENDED = "suspended", _("suspended")
    TERMINATED = "terminated", _("terminated")
    ARCHIVED = "archived", _("archived")


# Stages that are not a live procedure: before registration, suspended, or ended.
NOT_LIVE = frozenset(
    {
        Stage.DRAFT,
        Stage.SUBMITTED,
        Stage.REJECTED,
        Stage.WITHDRAWN,
        Stage.SUSPENDED,
        Stage.TERMINATED,
        Stage.ARCHIVED,
    }
)


def holds_role(role):
    """django-fsm permission: the user holds `role` at the transaction's station (and, for
    a purchaser, represents the transaction's owning unit)."""

    def check(instance, user):
        for membership in user.memberships.all():
            if membership.role != role or membership.station_id != instance.station_id:
                continue
            if role == Role.PURCHASER and membership.unit_id != instance.unit_id:
                continue
            return True
        return False

    check.role = role
    return check


stage_is_live = rules.Rule(
    code="common.live",
    text=_("only a live procedure (registered and not ended) can be suspended or terminated"),
    source=_("supervision rules, 全程监督"),
    check=lambda t: t.is_live(),
    stage_rule=True,
)


CREATE_LABEL = _("open the file")


class CodeCounter(models.Model):
    """The last public code number issued in a year (JY-2026-0001, JY-2026-0002, ...)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class Transaction(ConcurrentTransitionMixin, models.Model):
    """One transaction of a station, whatever its procedure."""

    code = models.CharField(_("code"), max_length=32, unique=True, editable=False)
    type = models.CharField(_("procedure"), max_length=16, choices=TransactionType.choices)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="transactions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="transactions")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    amount = models.DecimalField(
        _("budget or appraised value (yuan)"), max_digits=14, decimal_places=2,
        help_text=_("Budget for purchases and tenders; appraised value for asset sales."),
    )
    stage = FSMField(_("stage"), default=Stage.DRAFT, protected=True, max_length=32)
    suspended_from = models.CharField(max_length=32, blank=True, editable=False)
    reason = models.TextField(
        _("published reason"), blank=True, editable=False,
        help_text=_("Reason of the latest refusal, suspension or termination."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("filed at"), default=clock.now, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    # The rule set in force, fixed when the procedure's notice is issued.
    rule_set = models.ForeignKey("trading.RuleSet", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="transactions")
    # A procedure that ended without a result may restart as a new round of the same code.
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    # A sandbox transaction (docs/clock.md): its rules' periods are compressed `time_factor`
    # times (three working days pass in minutes); 1 everywhere outside a sandbox. Every time
    # shown, signed or ledgered is still the real instant.
    time_factor = models.PositiveIntegerField(_("time factor"), default=1, editable=False)
    # Real time at which the clock's tick must look at this transaction again (indexed:
    # the tick only reads what is due).
    next_check = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    # Procedure classes override these.
    STAGES: dict = {}
    FINAL_STAGES: frozenset = frozenset()

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="trading_tx_amount_gte_0"),
            models.CheckConstraint(
                condition=models.Q(type__in=[t.value for t in TransactionType]),
                name="trading_tx_type_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(stage=Stage.SUSPENDED) | ~models.Q(suspended_from=""),
                name="trading_tx_suspended_has_return_stage",
            ),
        ]
        indexes = [models.Index(fields=["station", "stage"], name="trading_tx_station_stage")]

    def __str__(self):
        return f"{self.code} {self.title}"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._loaded_stage = self.stage if self.pk else None
        self._stage_change_ledgered = False

    def save(self, *args, **kwargs):
        if self.stage != self._loaded_stage and not self._stage_change_ledgered:
            raise RuntimeError(
                "A transaction's stage changes only through "
                "trading.services.transitions, which records it in the ledger."
            )
        super().save(*args, **kwargs)
        self._loaded_stage = self.stage
        self._stage_change_ledgered = False

    # --- procedure plumbing ----------------------------------------------------------

    def as_procedure(self):
        self.__class__ = registry.machine_for(self.type)
        return self

    @property
    def amount_key(self) -> str:
        """How the amount is named in the ledger (the procedure says: budget, appraised value)."""
        return registry.get(self.type).amount_key

    @property
    def is_sandbox(self) -> bool:
        return self.time_factor > 1

    def is_live(self) -> bool:
        return self.stage not in NOT_LIVE and self.stage not in self.FINAL_STAGES

    def stage_label(self, stage=None):
        stage = stage or self.stage
        labels = {**{s.value: s.label for s in Stage}, **self.STAGES}
        return labels.get(stage, stage)

    @classmethod
    def transition_names(cls) -> set[str]:
        return {t.name for t in cls._meta.get_field("stage").get_all_transitions(cls)}

    @classmethod
    def action_label(cls, action: str) -> str:
        """The label of a move, as its transition declares it (`custom["label"]`)."""
        if action == "create":
            return str(CREATE_LABEL)
        for t in cls._meta.get_field("stage").get_all_transitions(cls):
            if t.name == action and t.custom.get("label"):
                return str(t.custom["label"])
        return action

    # --- the common stages (every method returns extra ledger `data`) -------------------

    @transition(
        field=stage, source=Stage.DRAFT, target=Stage.SUBMITTED,
        conditions=[rules.title_given, rules.amount_positive, rules.documents_attached],
        permission=holds_role(Role.PURCHASER),
        custom={"role": Role.PURCHASER, "label": _("submit for entry")},
    )
    def submit(self, *, now, **_):
        self.submitted_at = now
        return {
            "title": self.title,
            self.amount_key: f"{self.amount:.2f}",
            "unit": self.unit.name,
            "documents": sorted(self.documents.values_list("sha256", flat=True)),
        }

    @transition(
        field=stage, source=[Stage.DRAFT, Stage.SUBMITTED], target=Stage.WITHDRAWN,
        permission=holds_role(Role.PURCHASER),
        custom={"role": Role.PURCHASER, "label": _("withdraw"), "danger": True},
    )
    def withdraw(self, *, reason="", **_):
        self.reason = reason
        return {"reason": reason} if reason else {}

    @transition(
        field=stage, source=Stage.SUBMITTED, target=Stage.REGISTERED,
        permission=holds_role(Role.CLERK), custom={"role": Role.CLERK, "label": _("register (进场登记)")},
    )
    def register(self, *, now, **_):
        self.registered_at = now
        return {"station": self.station.name}

    @transition(
        field=stage, source=Stage.SUBMITTED, target=Stage.REJECTED,
        permission=holds_role(Role.CLERK),
        custom={"role": Role.CLERK, "needs_reason": True, "label": _("refuse entry"), "danger": True},
    )
    def reject(self, *, reason, **_):
        self.reason = reason
        return {"reason": reason}

    @transition(
        field=stage, source=Stage.REJECTED, target=Stage.DRAFT,
        permission=holds_role(Role.PURCHASER), custom={"role": Role.PURCHASER, "label": _("revise")},
    )
    def revise(self, **_):
        return {}

    @transition(
        field=stage, source="*", target=Stage.SUSPENDED, conditions=[stage_is_live],
        permission=holds_role(Role.SUPERVISOR),
        custom={"role": Role.SUPERVISOR, "needs_reason": True, "label": _("suspend"), "danger": True},
    )
    def suspend(self, *, reason, **_):
        extra = self.on_suspension() or {}
        self.suspended_from = self.stage
        self.reason = reason
        return {"reason": reason, **extra}

    @transition(
        field=stage, source=Stage.SUSPENDED,
        target=GET_STATE(lambda self, **_: self._resume_to),
        permission=holds_role(Role.SUPERVISOR), custom={"role": Role.SUPERVISOR, "label": _("resume")},
    )
    def resume(self, *, reason="", **_):
        extra = self.on_resume() or {}
        # GET_STATE reads the target after this method has run.
        self._resume_to, self.suspended_from = self.suspended_from, ""
        return {"note": reason, **extra} if reason else extra

    @transition(
        field=stage, source="*", target=Stage.TERMINATED,
        conditions=[rules.Rule(
            code="common.terminable",
            text=_("only a live or suspended procedure can be terminated"),
            source=_("supervision rules, 全程监督"),
            check=lambda t: t.is_live() or t.stage == Stage.SUSPENDED,
            stage_rule=True,
        )],
        permission=holds_role(Role.CLERK),
        custom={"role": Role.CLERK, "needs_reason": True, "label": _("terminate"), "danger": True,
                "confirm": True},
    )
    def terminate(self, *, reason, **_):
        extra = self.on_termination() or {}
        self.suspended_from = ""
        self.reason = reason
        return {"reason": reason, **extra}

    def due_of(self, action: str):
        """(real moment, the rule's source) by which the move `action` is due, or None:
        what the to-do lists show. Procedures override."""
        return None

    def wake_times(self) -> list:
        """Real moments at which a time-driven move of the procedure may become due (the
        clock's tick looks again then); procedures override."""
        return []

    def on_termination(self):
        """A procedure's own consequences of a termination (e.g. closing a bid round so
        that its receipts can be checked); returns extra ledger data."""
        return {}

    def on_suspension(self):
        """A procedure's own consequences of a supervisor's suspension (e.g. stopping a
        running auction's countdown); returns extra ledger data."""
        return {}

    def on_resume(self):
        """What a procedure gives back on resumption (e.g. the auction's countdown left at
        the suspension); returns extra ledger data."""
        return {}

    @transition(
        field=stage, source="*", target=Stage.ARCHIVED,
        conditions=[rules.Rule(
            code="common.archivable",
            text=_("only an ended procedure can be archived"),
            source=_("archiving rules, records kept 15 years"),
            check=lambda t: t.stage in (Stage.REJECTED, Stage.WITHDRAWN, Stage.TERMINATED)
            or t.stage in t.ARCHIVABLE_STAGES,
            detail=lambda t: _("now “%(stage)s”; archived from: %(stages)s") % {
                "stage": t.stage_label(),
                "stages": ", ".join(str(t.stage_label(s)) for s in (
                    *sorted(t.ARCHIVABLE_STAGES), Stage.REJECTED, Stage.WITHDRAWN, Stage.TERMINATED))},
            stage_rule=True,
        )],
        permission=holds_role(Role.CLERK), custom={"role": Role.CLERK, "label": _("archive")},
    )
    def archive(self, **_):
        return {}

    # Procedures name the stages from which their own end allows archiving.
    ARCHIVABLE_STAGES: frozenset = frozenset()
