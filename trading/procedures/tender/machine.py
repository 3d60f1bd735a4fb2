"""The open tender's stage machine (公开招标; Bidding Law, its Implementing Regulations, the
Electronic Bidding Measures). After the common start (registered), the stages are:

    registered -> tendering            issue_notice         clerk: notice, documents, round of sealed bids
    tendering -> bids_closed           close_bids           system, at the deadline, >= 3 bids, no open objection
    tendering -> failed                fail_bids            system, at the deadline, fewer bids (流标)
    bids_closed -> committee_formed    form_committee       clerk: committee of drawn experts (avoidance)
    committee_formed -> opened         open_bids            clerk with k custodians (one envelope)
    committee_formed -> technical_opened  open_technical    clerk with k custodians (two envelopes)
    technical_opened -> opened         open_prices          clerk: prices of the bids that passed
    opened -> evaluated                complete_evaluation  clerk, once the report is signed: candidates
    opened -> failed                   reject_all           clerk, the committee rejected every bid
    evaluated -> candidates_published  publish_candidates   clerk, within 3 days of the report
    candidates_published -> awarded    award                purchaser, after the publicity, no open objection
    awarded|result_published -> awarded  pass_to_next       purchaser: No. 1 declined or disqualified
    awarded|result_published -> failed    fail_award        purchaser: no candidate left
    awarded -> result_published        publish_result       clerk: award notice, result notices, committee list
    result_published -> contracted     record_contract      purchaser, within 30 days
    contracted -> accepted             record_acceptance    purchaser, securities refunded, report filed
    accepted -> archived               archive              clerk
    failed -> registered               retender             clerk: a new round of the same code
    failed -> terminated               change_method        purchaser, round 2 or later, with the approval

Each move declares its role, its label and the rules that must hold (rules.py); its body
is a step of services/. Every number is a parameter of the rule set in force, fixed on the
transaction when the notice is issued. docs/procedures/tender.md has the whole machine,
generated from this class.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from trading.models import Role, Stage, Transaction
from trading.models.transactions import holds_role

from . import rules
from .records import TenderStage
from .services import after_result, awarding, bids, committee, evaluation, notice, opening
from .services.common import bid_round_of


def system_only(instance, user):
    """Time-driven moves: only the clock's tick performs them."""
    return False


CLERK = {"role": Role.CLERK}
PURCHASER = {"role": Role.PURCHASER}
SYSTEM = {"role": "system", "system_only": True}
AFTER_AWARD = [TenderStage.AWARDED, TenderStage.RESULT_PUBLISHED]


class Tender(Transaction):
    STAGES = {s.value: s.label for s in TenderStage}
    FINAL_STAGES = frozenset()
    ARCHIVABLE_STAGES = frozenset({TenderStage.ACCEPTED})

    class Meta:
        proxy = True
        app_label = "trading"

    # custom "form": the move needs inputs, given by its own form (not a bare button).

    @transition(field="stage", source=Stage.REGISTERED, target=TenderStage.TENDERING,
                permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "label": _("issue the tender notice")})
    def issue_notice(self, *, user, now, **inputs):
        inputs.pop("reason", None)
        return notice.issue_notice(self, user=user, now=now, **inputs)

    @transition(field="stage", source=TenderStage.TENDERING, target=TenderStage.BIDS_CLOSED,
                conditions=[rules.bids_closing_due, rules.no_documents_objection, rules.enough_bids],
                permission=system_only, custom={**SYSTEM, "label": _("close the bids at the deadline")})
    def close_bids(self, **_kw):
        return bids.close_bids(self)

    @transition(field="stage", source=TenderStage.TENDERING, target=TenderStage.FAILED,
                conditions=[rules.bids_closing_due, rules.no_documents_objection, rules.too_few_bids],
                permission=system_only, custom={**SYSTEM, "label": _("fail: too few bids (流标)")})
    def fail_bids(self, *, now, **_kw):
        return bids.fail_bids(self, now=now)

    @transition(field="stage", source=TenderStage.BIDS_CLOSED, target=TenderStage.COMMITTEE_FORMED,
                conditions=[rules.experts_drawn], permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "label": _("form the evaluation committee")})
    def form_committee(self, *, purchaser_reps=(), **_kw):
        return committee.form_committee(self, purchaser_reps=purchaser_reps)

    @transition(field="stage", source=TenderStage.COMMITTEE_FORMED, target=TenderStage.OPENED,
                conditions=[rules.one_envelope, rules.bids_closed_not_opened], permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "opens_bids": True, "label": _("open the bids")})
    def open_bids(self, *, user, shares=(), **_kw):
        return opening.open_bids(self, user=user, shares=shares)

    @transition(field="stage", source=TenderStage.COMMITTEE_FORMED, target=TenderStage.TECHNICAL_OPENED,
                conditions=[rules.two_envelopes, rules.bids_closed_not_opened], permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "opens_bids": True, "label": _("open the technical envelopes")})
    def open_technical(self, *, user, shares=(), **_kw):
        return opening.open_technical(self, user=user, shares=shares)

    @transition(field="stage", source=TenderStage.TECHNICAL_OPENED, target=TenderStage.OPENED,
                conditions=[rules.technical_assessed, rules.no_opening_objection], permission=holds_role(Role.CLERK),
                custom={**CLERK, "form": True, "opens_bids": True,
                        "label": _("open the prices of the bids that passed")})
    def open_prices(self, *, user, shares=(), **_kw):
        return opening.open_prices(self, user=user, shares=shares)

    @transition(field="stage", source=TenderStage.OPENED, target=TenderStage.EVALUATED,
                conditions=[rules.report_complete, rules.no_opening_objection, rules.has_candidates],
                permission=holds_role(Role.CLERK), custom={**CLERK, "label": _("complete the evaluation")})
    def complete_evaluation(self, *, now, **_kw):
        return evaluation.complete_evaluation(self, now=now)

    @transition(field="stage", source=TenderStage.OPENED, target=TenderStage.FAILED,
                conditions=[rules.report_signed, rules.no_opening_objection, rules.no_candidates],
                permission=holds_role(Role.CLERK),
                custom={**CLERK, "label": _("fail: every bid rejected"), "danger": True, "confirm": True})
    def reject_all(self, *, now, user, **_kw):
        return evaluation.reject_all(self, now=now, user=user)

    @transition(field="stage", source=TenderStage.EVALUATED, target=TenderStage.CANDIDATES_PUBLISHED,
                permission=holds_role(Role.CLERK), custom={**CLERK, "label": _("publish the candidates")})
    def publish_candidates(self, *, now, user, **_kw):
        return awarding.publish_candidates(self, now=now, user=user)

    @transition(field="stage", source=TenderStage.CANDIDATES_PUBLISHED, target=TenderStage.AWARDED,
                conditions=[rules.publicity_over, rules.no_candidates_objection],
                permission=holds_role(Role.PURCHASER),
                custom={**PURCHASER, "label": _("award to candidate No. 1")})
    def award(self, *, now, user, **_kw):
        return awarding.award(self, now=now, user=user)

    @transition(field="stage", source=AFTER_AWARD, target=TenderStage.AWARDED,
                conditions=[rules.next_candidate], permission=holds_role(Role.PURCHASER),
                custom={**PURCHASER, "form": True, "needs_reason": True, "label": _("pass to the next candidate")})
    def pass_to_next(self, *, now, user, reason, upload=None, **_kw):
        return awarding.pass_to_next(self, now=now, user=user, reason=reason, upload=upload)

    @transition(field="stage", source=AFTER_AWARD, target=TenderStage.FAILED,
                conditions=[rules.no_next_candidate], permission=holds_role(Role.PURCHASER),
                custom={**PURCHASER, "form": True, "needs_reason": True, "danger": True,
                        "label": _("fail: no candidate left")})
    def fail_award(self, *, now, user, reason, upload=None, **_kw):
        return awarding.fail_award(self, now=now, user=user, reason=reason, upload=upload)

    @transition(field="stage", source=TenderStage.AWARDED, target=TenderStage.RESULT_PUBLISHED,
                permission=holds_role(Role.CLERK), custom={**CLERK, "label": _("publish the result")})
    def publish_result(self, *, now, user, **_kw):
        return awarding.publish_result(self, now=now, user=user)

    @transition(field="stage", source=TenderStage.RESULT_PUBLISHED, target=TenderStage.CONTRACTED,
                permission=holds_role(Role.PURCHASER),
                custom={**PURCHASER, "form": True, "label": _("record the contract")})
    def record_contract(self, *, now, user, amount, signed_on, upload, **_kw):
        return after_result.record_contract(self, now=now, user=user, amount=amount, signed_on=signed_on,
                                            upload=upload)

    @transition(field="stage", source=TenderStage.CONTRACTED, target=TenderStage.ACCEPTED,
                conditions=[rules.securities_refunded, rules.supervisor_report_filed],
                permission=holds_role(Role.PURCHASER),
                custom={**PURCHASER, "form": True, "label": _("record the acceptance (履约验收)")})
    def record_acceptance(self, *, user, accepted_on, passed, remarks, upload, **_kw):
        return after_result.record_acceptance(self, user=user, accepted_on=accepted_on, passed=passed,
                                              remarks=remarks, upload=upload)

    @transition(field="stage", source=TenderStage.FAILED, target=Stage.REGISTERED,
                conditions=[rules.failed_by_rule], permission=holds_role(Role.CLERK),
                custom={**CLERK, "label": _("re-tender: a new round")})
    def retender(self, **_kw):
        return after_result.retender(self)

    @transition(field="stage", source=TenderStage.FAILED, target=Stage.TERMINATED,
                conditions=[rules.failed_again], permission=holds_role(Role.PURCHASER),
                custom={**PURCHASER, "form": True, "needs_reason": True, "danger": True,
                        "label": _("change the method, with the approval")})
    def change_method(self, *, now, user, reason, upload, **_kw):
        return after_result.change_method(self, now=now, user=user, reason=reason, upload=upload)

    def on_termination(self):
        return bids.on_termination(self)

    # --- the clock ---------------------------------------------------------------------

    def wake_times(self):
        """When a time-driven move of the current stage may become due (real moments)."""
        bid_round = bid_round_of(self)
        if self.stage == TenderStage.TENDERING and bid_round and rules.no_documents_objection(self):
            # Bids that arrived before the deadline but wait for the row lock behind others
            # are taken in first: the closing comes the round's grace later. While an
            # objection to the documents waits for its answer the clock is paused.
            return [bid_round.deadline + timedelta(seconds=bid_round.grace_seconds)]
        return []  # every other move is a person's (the pages show its due dates)
