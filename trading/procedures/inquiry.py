"""Inquiry-priced procurement (询价采购): Government Procurement Law art. 32 and 40, and
the Ministry of Finance's Measures for non-tender procurement methods (财政部令第74号).

For goods with uniform specifications, ample supply and stable prices. After the common
start (registered), the stages are:

    registered -> group_formed        form_group        clerk: inquiry group (询价小组) of drawn experts
    group_formed -> notice_issued     issue_notice      clerk: notice, invitations, opening key
    notice_issued -> quoting          open_quoting      system, when quoting opens
    quoting -> quotes_closed          close_quotes      system, at the deadline, >= 3 quotes
    quoting -> terminated             fail_quotes       system, at the deadline, fewer quotes
    quotes_closed -> opened           open_quotes       clerk with k custodians
    opened -> evaluated               complete_evaluation  clerk, once every member signed
    opened -> terminated              fail_evaluation   clerk, fewer than 3 responsive within budget
    evaluated -> awarded              confirm_award     purchaser, within 5 working days
    evaluated -> awarded              confirm_by_silence  system, after 5 working days
    awarded -> result_published       publish_result    clerk: result notice, notices to suppliers
    result_published -> result_final  close_challenges  system, challenge period over, none open
    result_final -> contracted        record_contract   purchaser
    contracted -> accepted            record_acceptance purchaser: performance checked (履约验收)
    accepted -> archived              archive           clerk
    terminated -> registered          restart           clerk: a new round of the same code

Every number above is a parameter of the rule set in force (trading/rulesets.py), fixed
on the transaction when the notice is issued. docs/procedures/inquiry.md has the whole
machine, generated from this module.
"""

from datetime import timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from ledger.core.entry import format_ts

from ..models.people import Role
from ..models.transactions import Stage, Transaction, TransactionType, holds_role
from . import register

# How long after the deadline the bids close: time for the quotes that arrived before it
# (their arrival is what counts) to be processed. Real seconds.
QUOTE_CLOSE_GRACE_SECONDS = 3


class InquiryStage(models.TextChoices):
    GROUP_FORMED = "group_formed", _("inquiry group formed")
    NOTICE_ISSUED = "notice_issued", _("inquiry notice issued")
    QUOTING = "quoting", _("quoting")
    QUOTES_CLOSED = "quotes_closed", _("quotes closed")
    OPENED = "opened", _("quotes opened")
    EVALUATED = "evaluated", _("evaluated")
    AWARDED = "awarded", _("awarded")
    RESULT_PUBLISHED = "result_published", _("result published (challenge period)")
    RESULT_FINAL = "result_final", _("result final")
    CONTRACTED = "contracted", _("contracted")
    ACCEPTED = "accepted", _("accepted (performance checked)")


def system_only(instance, user):
    """Time-driven moves: only the clock's tick performs them."""
    return False


class InquiryDetails(models.Model):
    """What the inquiry fixes along the way (procedure time for sandbox transactions)."""

    transaction = models.OneToOneField(Transaction, on_delete=models.CASCADE, related_name="inquiry")
    round = models.PositiveSmallIntegerField(default=1)
    price_composition = models.TextField(_("price composition"), blank=True)
    award_criterion = models.TextField(_("award criterion"), blank=True)
    invitation_method = models.CharField(_("how suppliers are invited"), max_length=16, blank=True)
    notice_issued_at = models.DateTimeField(null=True, blank=True)
    quoting_opens_at = models.DateTimeField(null=True, blank=True)
    quote_deadline = models.DateTimeField(_("quote deadline"), null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    confirm_by = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    result_due_by = models.DateTimeField(null=True, blank=True)
    result_published_at = models.DateTimeField(null=True, blank=True)
    challenge_until = models.DateTimeField(null=True, blank=True)
    contract_due_by = models.DateTimeField(null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    acceptance_passed = models.BooleanField(_("acceptance passed"), null=True, blank=True)
    acceptance_remarks = models.TextField(_("acceptance remarks"), blank=True)
    acceptance_sha256 = models.CharField(_("acceptance report SHA-256"), max_length=64, blank=True)
    terminated_by_rule = models.BooleanField(default=False)

    class Meta:
        app_label = "trading"
        verbose_name = _("inquiry details")

    def __str__(self):
        return f"inquiry {self.transaction_id}"


@register(TransactionType.INQUIRY)
class Inquiry(Transaction):
    STAGES = {s.value: s.label for s in InquiryStage}
    FINAL_STAGES = frozenset()
    ARCHIVABLE_STAGES = frozenset({InquiryStage.ACCEPTED})

    class Meta:
        proxy = True
        app_label = "trading"

    @property
    def details(self) -> InquiryDetails:
        return InquiryDetails.objects.get_or_create(transaction=self)[0]

    # --- the procedure's moves; bodies call the inquiry services ------------------------
    # (trading/services/inquiry.py checks the inputs and the rules that need them).

    # custom "form": the move needs inputs, given by its own form (not a bare button).

    @transition(field="stage", source=Stage.REGISTERED, target=InquiryStage.GROUP_FORMED,
                permission=holds_role(Role.CLERK), custom={"role": Role.CLERK, "form": True})
    def form_group(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_form_group(self, **kwargs)

    @transition(field="stage", source=InquiryStage.GROUP_FORMED, target=InquiryStage.NOTICE_ISSUED,
                permission=holds_role(Role.CLERK), custom={"role": Role.CLERK, "form": True})
    def issue_notice(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_issue_notice(self, **kwargs)

    @transition(field="stage", source=InquiryStage.NOTICE_ISSUED, target=InquiryStage.QUOTING,
                permission=system_only, custom={"role": "system", "system_only": True})
    def open_quoting(self, **kwargs):
        return {"quote_deadline": _ts(self.details.quote_deadline)}

    @transition(field="stage", source=InquiryStage.QUOTING, target=InquiryStage.QUOTES_CLOSED,
                permission=system_only, custom={"role": "system", "system_only": True})
    def close_quotes(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_close_quotes(self, **kwargs)

    @transition(field="stage", source=InquiryStage.QUOTING, target=Stage.TERMINATED,
                permission=system_only, custom={"role": "system", "system_only": True})
    def fail_quotes(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_fail_quotes(self, **kwargs)

    @transition(field="stage", source=InquiryStage.QUOTES_CLOSED, target=InquiryStage.OPENED,
                permission=holds_role(Role.CLERK), custom={"role": Role.CLERK, "form": True})
    def open_quotes(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_open_quotes(self, **kwargs)

    @transition(field="stage", source=InquiryStage.OPENED, target=InquiryStage.EVALUATED,
                permission=holds_role(Role.CLERK), custom={"role": Role.CLERK})
    def complete_evaluation(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_complete_evaluation(self, **kwargs)

    @transition(field="stage", source=InquiryStage.OPENED, target=Stage.TERMINATED,
                permission=holds_role(Role.CLERK), custom={"role": Role.CLERK})
    def fail_evaluation(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_fail_evaluation(self, **kwargs)

    @transition(field="stage", source=InquiryStage.EVALUATED, target=InquiryStage.AWARDED,
                permission=holds_role(Role.PURCHASER), custom={"role": Role.PURCHASER})
    def confirm_award(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_confirm_award(self, silence=False, **kwargs)

    @transition(field="stage", source=InquiryStage.EVALUATED, target=InquiryStage.AWARDED,
                permission=system_only, custom={"role": "system", "system_only": True})
    def confirm_by_silence(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_confirm_award(self, silence=True, **kwargs)

    @transition(field="stage", source=InquiryStage.AWARDED, target=InquiryStage.RESULT_PUBLISHED,
                permission=holds_role(Role.CLERK), custom={"role": Role.CLERK})
    def publish_result(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_publish_result(self, **kwargs)

    @transition(field="stage", source=InquiryStage.RESULT_PUBLISHED, target=InquiryStage.RESULT_FINAL,
                permission=system_only, custom={"role": "system", "system_only": True})
    def close_challenges(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_close_challenges(self, **kwargs)

    @transition(field="stage", source=InquiryStage.RESULT_FINAL, target=InquiryStage.CONTRACTED,
                permission=holds_role(Role.PURCHASER), custom={"role": Role.PURCHASER, "form": True})
    def record_contract(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_record_contract(self, **kwargs)

    @transition(field="stage", source=InquiryStage.CONTRACTED, target=InquiryStage.ACCEPTED,
                permission=holds_role(Role.PURCHASER), custom={"role": Role.PURCHASER, "form": True})
    def record_acceptance(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_record_acceptance(self, **kwargs)

    @transition(field="stage", source=Stage.TERMINATED, target=Stage.REGISTERED,
                permission=holds_role(Role.CLERK), custom={"role": Role.CLERK})
    def restart(self, **kwargs):
        from ..services import inquiry

        return inquiry.on_restart(self, **kwargs)

    def on_termination(self):
        """Terminated while quoting (or suspended while quoting): the round's bids close
        now, so `bids.closed` lists what was received and every receipt stays checkable
        (LEDGER.md section 6)."""
        if InquiryStage.QUOTING not in (self.stage, self.suspended_from):
            return {}
        from bidding.services.sealed import bids_close

        from .. import clock

        d = self.details
        now = clock.procedure_now(self)
        if d.quote_deadline is None or d.quote_deadline > now:
            d.quote_deadline = now
            d.save(update_fields=["quote_deadline"])
        commitments = bids_close(transaction=self)
        return {"round": self.round, "quotes": len(commitments)}

    # --- the clock ---------------------------------------------------------------------

    def due_events(self, now):
        """(when, action) of the time-driven moves from the current stage, in procedure
        time: the tick performs those whose time has come (trading/services/ticks.py)."""
        d = self.details
        if self.stage == InquiryStage.NOTICE_ISSUED and d.quoting_opens_at:
            return [(d.quoting_opens_at, "open_quoting")]
        if self.stage == InquiryStage.QUOTING and d.quote_deadline:
            from ..services import inquiry

            # Quotes that arrived before the deadline but wait for the row lock behind others
            # are taken in first: the closing comes QUOTE_CLOSE_GRACE (real seconds) later.
            grace = timedelta(seconds=QUOTE_CLOSE_GRACE_SECONDS * (self.time_factor or 1))
            return [(d.quote_deadline + grace, inquiry.closing_action(self))]
        if self.stage == InquiryStage.EVALUATED and d.confirm_by:
            return [(d.confirm_by, "confirm_by_silence")]
        if self.stage == InquiryStage.RESULT_PUBLISHED and d.challenge_until:
            from ..services import inquiry

            if not inquiry.open_challenges(self).exists():
                return [(d.challenge_until, "close_challenges")]
        return []


def _ts(moment):
    """A time that matters in law, as the ledger writes times (UTC, microseconds)."""
    return format_ts(moment) if moment else None

