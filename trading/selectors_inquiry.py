"""What each person may see of an inquiry, and when (the secrecy rules of DOMAIN.md).

* Before the quote deadline nobody but a supplier itself learns who was invited, who
  quoted or how many: no page, API answer or ledger entry says it.
* The group's names are known to the clerk, the supervisors and the members until the
  result is published, then to everyone.
* Opened quotes and the comparison of assessments: the group, the clerk, the supervisors
  and the purchaser after the opening; the public sees the opening record and, with the
  result, every verdict and reason.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from . import clock
from .models import Notice, Role
from .procedures.inquiry import InquiryDetails, InquiryStage

AFTER_OPENING = {InquiryStage.OPENED, InquiryStage.EVALUATED, InquiryStage.AWARDED, InquiryStage.RESULT_PUBLISHED,
                 InquiryStage.RESULT_FINAL, InquiryStage.CONTRACTED, InquiryStage.ACCEPTED}
AFTER_EVALUATION = {InquiryStage.EVALUATED, InquiryStage.AWARDED, InquiryStage.RESULT_PUBLISHED,
                    InquiryStage.RESULT_FINAL, InquiryStage.CONTRACTED, InquiryStage.ACCEPTED}
AFTER_RESULT = {InquiryStage.RESULT_PUBLISHED, InquiryStage.RESULT_FINAL, InquiryStage.CONTRACTED,
                InquiryStage.ACCEPTED}


def viewer_roles(tx, user) -> set[str]:
    """The roles `user` has towards tx: clerk, supervisor, purchaser (of the unit), member
    (of the current group), bidder (represents an invited company)."""
    from bidding.models import Invitation, PanelMember

    if user is None or not user.is_authenticated:
        return set()
    roles = set()
    for m in user.memberships.all():
        if m.station_id != tx.station_id:
            continue
        if m.role in (Role.CLERK, Role.SUPERVISOR):
            roles.add(m.role)
        elif m.role == Role.PURCHASER and m.unit_id == tx.unit_id:
            roles.add(Role.PURCHASER)
    if PanelMember.objects.filter(transaction=tx, round=tx.round, user=user).exists():
        roles.add("member")
    if Invitation.objects.filter(transaction=tx, round=tx.round, company__representatives=user).exists():
        roles.add(Role.BIDDER)
    return roles


def _stage_after(tx, stages, reached=None) -> bool:
    """Whether tx is at one of `stages`, or was when suspended; archived or terminated, whether
    it got that far before (`reached`: what its records say), so that what was published
    stays published."""
    if tx.stage in stages:
        return True
    if tx.stage == "suspended":
        return tx.suspended_from in stages
    if tx.stage in ("archived", "terminated") and reached is not None:
        return bool(reached())
    return False


def inquiry_overview(tx, user):
    """Everything about the inquiry that `user` may see now, for pages and the API."""
    from bidding.models import Award, Challenge, Draw, Invitation, OpeningRecord, PanelMember, Quote

    roles = viewer_roles(tx, user)
    staff = bool(roles & {Role.CLERK, Role.SUPERVISOR})
    d = InquiryDetails.objects.filter(transaction_id=tx.pk).first()
    from bidding.models import Opening

    published = _stage_after(tx, AFTER_RESULT, lambda: d and d.result_published_at)
    opened = _stage_after(tx, AFTER_OPENING, Opening.objects.filter(transaction=tx, round=tx.round).exists)
    evaluated = _stage_after(tx, AFTER_EVALUATION, lambda: d and d.evaluated_at)
    overview = {
        "roles": roles,
        "details": d,
        "procedure_now": clock.procedure_now(tx),
        "time_factor": tx.time_factor,
        "rule_set": tx.rule_set,
        "draws": list(Draw.objects.filter(transaction=tx, round=tx.round)),
        "draw_results_visible": staff,
        "group": None,
        "opening_records": None,
        "comparison_visible": opened and bool(roles & {"member", Role.CLERK, Role.SUPERVISOR, Role.PURCHASER}),
        "award": None,
        "challenges": [],
        "my_invitations": [],
        "my_quotes": [],
        "quote_count": None,
    }
    if staff or "member" in roles or published:
        overview["group"] = list(PanelMember.objects.filter(transaction=tx, round=tx.round).select_related("user"))
    if opened:
        overview["opening_records"] = list(
            OpeningRecord.objects.filter(opening__transaction=tx, opening__round=tx.round)
            .select_related("quote__company").order_by("price", "quote__received_at"))
    from bidding.selectors_sealed import round_closed

    if d and d.quote_deadline and round_closed(tx):  # only once the round's bids are closed
        overview["quote_count"] = Quote.objects.filter(transaction=tx, round=tx.round).count()
    award = Award.objects.filter(transaction=tx, round=tx.round).select_related("quote__company").first()
    if award and (published or (evaluated and roles & {Role.CLERK, Role.SUPERVISOR, Role.PURCHASER, "member"})):
        overview["award"] = award
    challenges = Challenge.objects.filter(transaction=tx).select_related("company")
    if staff or Role.PURCHASER in roles:
        overview["challenges"] = list(challenges)
    elif user is not None and user.is_authenticated:
        overview["challenges"] = list(challenges.filter(company__representatives=user))
    if user is not None and user.is_authenticated:
        overview["my_invitations"] = list(Invitation.objects.filter(transaction=tx, round=tx.round,
                                                                   company__representatives=user)
                                          .select_related("company"))
        overview["my_quotes"] = list(Quote.objects.filter(transaction=tx, company__representatives=user))
    return overview


def notices_for(tx, user):
    """Public notices of tx, and those addressed to a company the user represents."""
    condition = Q(addressee__isnull=True)
    if user is not None and user.is_authenticated:
        condition |= Q(addressee__representatives=user)
    return Notice.objects.filter(condition, transaction=tx).distinct().order_by("published_at", "pk")


def public_notices():
    return Notice.objects.filter(addressee__isnull=True).select_related("transaction").order_by("-published_at", "-pk")


def clerk_choices(tx, user) -> dict:
    """What the clerk chooses from to form the group and issue the notice (the page's forms
    and GET /api/v1/transactions/{code}/inquiry/choices/): the purchaser's people who may sit
    in the group or hold a custodian's share, the station's supervisors, the active supplier
    pool, and the rule set's numbers with the earliest quote deadline it allows now. For the
    station's clerks only (NotPermitted otherwise): the pool is the station's working list."""
    from bidding.models import Company

    from . import rulesets, workdays
    from .errors import DomainError, NotPermitted
    from .models import User

    if Role.CLERK not in viewer_roles(tx, user):
        raise NotPermitted(_("this is done by a clerk of %(station)s") % {"station": tx.station})

    rule_set = rulesets.in_force(tx.station, "inquiry")
    choices = {
        "group_min_size": rulesets.param(rule_set, "group_min_size"),
        "min_invitees": rulesets.param(rule_set, "min_invitees"),
        "unit_purchasers": User.objects.filter(memberships__role=Role.PURCHASER,
                                               memberships__unit=tx.unit).distinct().order_by("pk"),
        "supervisors": User.objects.filter(memberships__role=Role.SUPERVISOR,
                                           memberships__station=tx.station).distinct().order_by("pk"),
        "companies": Company.objects.filter(pool_entries__station=tx.station,
                                            pool_entries__active=True).distinct().order_by("pk"),
        "earliest_deadline": None,
        "calendar_error": None,
    }
    try:
        choices["earliest_deadline"] = workdays.earliest_deadline(
            clock.procedure_now(tx), rulesets.param(rule_set, "quote_period_working_days"))
    except DomainError as exc:
        choices["calendar_error"] = exc.message
    return choices
