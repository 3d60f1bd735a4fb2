"""The inquiry's stage machine (询价采购; Government Procurement Law art. 32 and 40, and the
Ministry of Finance's Measures for non-tender procurement methods, 财政部令第74号).

For goods with uniform specifications, ample supply and stable prices. After the common
start (registered), the stages are:

    registered -> group_formed        form_group           clerk: inquiry group (询价小组) of drawn experts
    group_formed -> notice_issued     issue_notice         clerk: notice, invitations, round of sealed quotes
    notice_issued -> quoting          open_quoting         system, when quoting opens
    quoting -> quotes_closed          close_quotes         system, at the deadline, >= 3 quotes
    quoting -> terminated             fail_quotes          system, at the deadline, fewer quotes
    quotes_closed -> opened           open_quotes          clerk with k custodians' shares
    opened -> evaluated               complete_evaluation  clerk, once every member signed, >= 3 responsive
    opened -> terminated              fail_evaluation      clerk, fewer than 3 responsive within budget
    evaluated -> awarded              confirm_award        purchaser, within 5 working days
    evaluated -> awarded              confirm_by_silence   system, after 5 working days
    awarded -> result_published       publish_result       clerk: result notice, letters to suppliers
    result_published -> result_final  close_challenges     system, challenge period over, none open
    result_final -> contracted        record_contract      purchaser
    contracted -> accepted            record_acceptance    purchaser: performance checked (履约验收)
    accepted -> archived              archive              clerk
    terminated -> registered          restart              clerk: a new round of the same code

Each move declares its role, its label and the rules that must hold (rules.py); its body
is the step of services/. Every number is a parameter of the rule set in force, fixed on
the transaction when the notice is issued. docs/procedures/inquiry.md has the whole
machine, generated from this class.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from trading.models import Role, Stage, Transaction
from trading.models.transactions import holds_role

from . import rules
from .records import InquiryStage
from .services import after_result, evaluation, group, notice, quotes, result
from .services.common import bid_round_of, round_of, source


def system_only(instance, user):
    """Time-driven moves: only the clock's tick performs them."""
    return False


CLERK = {"role": Role.CLERK}
PURCHASER = {"role": Role.PURCHASER}
SYSTEM = {"role": "system", "system_only": True}


class Inquiry(Transaction):
    STAGES = {s.value: s.label for s in InquiryStage}
    FINAL_STAGES = frozenset()
    ARCHIVABLE_STAGES = frozenset({InquiryStage.ACCEPTED})

    class Meta:
        proxy = True
        app_label = "trading"

    # custom "form": the move needs inputs, given by its own form (not a bare button).

    @transition(field="stage", source=Stage.REGISTERED, target=InquiryStage.GROUP_FORMED,
                conditions=[rules.experts_drawn_first], permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "label": _("form the inquiry group")})
    def form_group(self, *, purchaser_reps=(), **_kw):
        return group.form_group(self, purchaser_reps=purchaser_reps)

    @transition(field="stage", source=InquiryStage.GROUP_FORMED, target=InquiryStage.NOTICE_ISSUED,
                permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "label": _("issue the inquiry notice")})
    def issue_notice(self, *, user, now, **inputs):
        inputs.pop("reason", None)
        return notice.issue_notice(self, user=user, now=now, **inputs)

    @transition(field="stage", source=InquiryStage.NOTICE_ISSUED, target=InquiryStage.QUOTING,
                conditions=[rules.quoting_opens], permission=system_only,
                custom={**SYSTEM, "label": _("open quoting")})
    def open_quoting(self, **_kw):
        return quotes.open_quoting(self)

    @transition(field="stage", source=InquiryStage.QUOTING, target=InquiryStage.QUOTES_CLOSED,
                conditions=[rules.quotes_closing_due, rules.enough_quotes], permission=system_only,
                custom={**SYSTEM, "label": _("close quotes at the deadline")})
    def close_quotes(self, **_kw):
        return quotes.close_quotes(self)

    @transition(field="stage", source=InquiryStage.QUOTING, target=Stage.TERMINATED,
                conditions=[rules.quotes_closing_due, rules.too_few_quotes], permission=system_only,
                custom={**SYSTEM, "label": _("terminate: too few quotes")})
    def fail_quotes(self, *, now, **_kw):
        return quotes.fail_quotes(self, now=now)

    @transition(field="stage", source=InquiryStage.QUOTES_CLOSED, target=InquiryStage.OPENED,
                conditions=[rules.quotes_deadline_passed], permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "opens_bids": True, "label": _("open the quotes")})
    def open_quotes(self, *, user, shares=(), **_kw):
        return quotes.open_quotes(self, user=user, shares=shares)

    @transition(field="stage", source=InquiryStage.OPENED, target=InquiryStage.EVALUATED,
                conditions=[rules.report_complete, rules.enough_responsive], permission=holds_role(Role.CLERK),
                custom={**CLERK, "label": _("complete the evaluation")})
    def complete_evaluation(self, *, now, **_kw):
        return evaluation.complete_evaluation(self, now=now)

    @transition(field="stage", source=InquiryStage.OPENED, target=Stage.TERMINATED,
                conditions=[rules.report_signed, rules.too_few_responsive], permission=holds_role(Role.CLERK),
                custom={**CLERK, "label": _("terminate: too few responsive quotes"), "danger": True,
                        "confirm": True})
    def fail_evaluation(self, *, now, user, **_kw):
        return evaluation.fail_evaluation(self, now=now, user=user)

    @transition(field="stage", source=InquiryStage.EVALUATED, target=InquiryStage.AWARDED,
                permission=holds_role(Role.PURCHASER), custom={**PURCHASER, "label": _("confirm the award")})
    def confirm_award(self, *, now, user, **_kw):
        return result.confirm_award(self, now=now, user=user)

    @transition(field="stage", source=InquiryStage.EVALUATED, target=InquiryStage.AWARDED,
                conditions=[rules.confirm_period_over], permission=system_only,
                custom={**SYSTEM, "label": _("award confirmed by silence")})
    def confirm_by_silence(self, *, now, **_kw):
        return result.confirm_award(self, now=now, silence=True)

    @transition(field="stage", source=InquiryStage.AWARDED, target=InquiryStage.RESULT_PUBLISHED,
                permission=holds_role(Role.CLERK), custom={**CLERK, "label": _("publish the result")})
    def publish_result(self, *, now, user, **_kw):
        return result.publish_result(self, now=now, user=user)

    @transition(field="stage", source=InquiryStage.RESULT_PUBLISHED, target=InquiryStage.RESULT_FINAL,
                conditions=[rules.challenge_period_over, rules.no_open_challenge], permission=system_only,
                custom={**SYSTEM, "label": _("end of the challenge period")})
    def close_challenges(self, **_kw):
        return after_result.close_challenges(self)

    @transition(field="stage", source=InquiryStage.RESULT_FINAL, target=InquiryStage.CONTRACTED,
                permission=holds_role(Role.PURCHASER),
                custom={**PURCHASER, "form": True, "label": _("record the contract")})
    def record_contract(self, *, user, amount, signed_on, upload, **_kw):
        return after_result.record_contract(self, user=user, amount=amount, signed_on=signed_on, upload=upload)

    @transition(field="stage", source=InquiryStage.CONTRACTED, target=InquiryStage.ACCEPTED,
                permission=holds_role(Role.PURCHASER),
                custom={**PURCHASER, "form": True, "label": _("record the acceptance (履约验收)")})
    def record_acceptance(self, *, user, accepted_on, passed, remarks, upload, **_kw):
        return after_result.record_acceptance(self, user=user, accepted_on=accepted_on, passed=passed,
                                              remarks=remarks, upload=upload)

    @transition(field="stage", source=Stage.TERMINATED, target=Stage.REGISTERED,
                conditions=[rules.terminated_by_rule], permission=holds_role(Role.CLERK),
                custom={**CLERK, "label": _("restart as a new round")})
    def restart(self, **_kw):
        return after_result.restart(self)

    def on_termination(self):
        return quotes.on_termination(self)

    # --- the clock ---------------------------------------------------------------------

    DUE = {"confirm_award": ("confirm_by", "confirm_working_days"),
           "publish_result": ("result_due_by", "result_publish_working_days"),
           "record_contract": ("contract_due_by", "contract_days")}

    def due_of(self, action):
        if action not in self.DUE:
            return None
        field, param = self.DUE[action]
        moment = getattr(round_of(self), field)
        return (moment, source(self, param)) if moment else None

    def wake_times(self):
        """When a time-driven move of the current stage may become due (real moments)."""
        bid_round = bid_round_of(self)
        if self.stage == InquiryStage.NOTICE_ISSUED and bid_round:
            return [bid_round.opens_at]
        if self.stage == InquiryStage.QUOTING and bid_round:
            # Quotes that arrived before the deadline but wait for the row lock behind
            # others are taken in first: the closing comes the round's grace later.
            return [bid_round.deadline + timedelta(seconds=bid_round.grace_seconds)]
        record = round_of(self)
        if self.stage == InquiryStage.EVALUATED:
            return [record.confirm_by]
        if self.stage == InquiryStage.RESULT_PUBLISHED and rules.no_open_challenge(self):
            return [record.challenge_until]
        return []
