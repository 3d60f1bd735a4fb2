"""What each person may see of an inquiry, and when (the secrecy rules of DOMAIN.md), decided
from what the transaction has reached (milestones, the round's closing, the opening),
never from lists of stage names:

* Before the quote deadline nobody but a supplier itself learns who was invited, who
  quoted or how many: no page, API answer or ledger entry says it.
* The group's names are known to the clerk, the supervisors and the members until the
  result is published, then to everyone.
* Opened quotes and the comparison of assessments: the group, the clerk, the supervisors
  and the purchaser after the opening; the public sees the opening record and, with the
  result, every verdict and reason.
"""

from datetime import timedelta

from django.utils.translation import gettext as _

from bidding import selectors_sealed
from bidding.models import Acceptance, Award, Challenge, Company, Draw, DrawPurpose, PanelMember
from bidding.selectors import pool_entries
from trading import clock, deadlines, rulesets, workdays
from trading.errors import DomainError, NotPermitted
from trading.models import Milestone, Role, User
from trading.selectors import notices_for, public_documents
from trading.services.milestones import milestone_reached

from .records import InquiryStage
from .services.common import PROCEDURE, bid_round_of, param, round_of
from .services.notice import supplier_draw


def viewer_roles(tx, user) -> set[str]:
    """The roles `user` has towards tx: clerk, supervisor, purchaser (of the unit), member
    (of the current group), bidder (represents an invited company)."""
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
    if PanelMember.objects.filter(transaction_id=tx.pk, round=tx.round, user=user).exists():
        roles.add("member")
    if selectors_sealed.admissions_for(user, tx).exists():
        roles.add(Role.BIDDER)
    return roles


def inquiry_overview(tx, user):
    """Everything about the inquiry that `user` may see now, for pages and the API."""
    roles = viewer_roles(tx, user)
    staff = bool(roles & {Role.CLERK, Role.SUPERVISOR})
    record = round_of(tx)
    bid_round = bid_round_of(tx)
    published = milestone_reached(tx, Milestone.RESULT_PUBLISHED)
    opened = selectors_sealed.opening_of(bid_round) is not None
    evaluated = milestone_reached(tx, Milestone.EVALUATED)
    overview = {
        "roles": roles,
        "record": record if record.pk else None,
        "bid_round": bid_round,
        "quote_deadline": bid_round.deadline if bid_round else None,
        "accepting": selectors_sealed.round_accepting(bid_round),
        "server_now": clock.now(),
        "time_factor": tx.time_factor,
        "rule_set": tx.rule_set,
        "draws": list(Draw.objects.filter(transaction_id=tx.pk, round=tx.round)),
        "invitation_note_visible": staff,
        "group": None,
        "opening_records": None,
        "comparison_visible": opened and bool(roles & {"member", Role.CLERK, Role.SUPERVISOR, Role.PURCHASER}),
        "award": None,
        "challenges": [],
        "my_admissions": [],
        "my_bids": [],
        "documents": [],
        "quote_count": None,
        "acceptance": None,
    }
    if staff or "member" in roles or published:
        overview["group"] = list(PanelMember.objects.filter(transaction_id=tx.pk, round=tx.round)
                                 .select_related("user"))
    if opened:
        overview["opening_records"] = list(selectors_sealed.opening_records(bid_round))
    overview["drawn"] = {draw.pk: _drawn(tx, draw, staff=staff, group_visible=overview["group"] is not None,
                                         opened=opened) for draw in overview["draws"]}
    overview["draw_results"] = [{"draw": draw, "drawn": overview["drawn"][draw.pk]} for draw in overview["draws"]
                                if overview["drawn"][draw.pk]]
    summary = selectors_sealed.closed_round_summary(bid_round)
    if summary is not None:  # only once the round's quotes are closed
        overview["quote_count"] = summary["count"]
    award = Award.objects.filter(transaction_id=tx.pk, round=tx.round).select_related("bid__company").first()
    if award and (published or (evaluated and roles & {Role.CLERK, Role.SUPERVISOR, Role.PURCHASER, "member"})):
        overview["award"] = award
    challenges = Challenge.objects.filter(transaction_id=tx.pk).select_related("company")
    if staff or Role.PURCHASER in roles:
        overview["challenges"] = list(challenges)
    elif user is not None and user.is_authenticated:
        overview["challenges"] = list(challenges.filter(company__representations__user=user))
    if user is not None and user.is_authenticated:
        overview["my_admissions"] = list(selectors_sealed.admissions_for(user, tx, bid_round))
        if overview["my_admissions"]:  # what the invitation asks to quote to
            overview["documents"] = list(public_documents(tx))
        overview["my_bids"] = list(selectors_sealed.own_bids(user, tx))
    overview["acceptance"] = Acceptance.objects.filter(contract__transaction_id=tx.pk).first()
    return overview


def challenge_choices(tx, user, overview) -> dict:
    """What the challenge form shows `user` (docs/procedures/inquiry.md, "Challenges"): the
    period's end, in whose names a challenge may be filed now (the invited suppliers it
    represents that have no challenge of this round waiting for its answer), and those
    waiting. The service decides; this only keeps the page from offering what it refuses."""
    record = overview["record"]
    until = record.challenge_until if record else None
    invited = [admission.company for admission in overview["my_admissions"]]
    waiting = list(Challenge.objects.filter(transaction_id=tx.pk, round=tx.round, company__in=invited,
                                            answered_at__isnull=True).select_related("company"))
    busy = {c.company_id for c in waiting}
    bid_round = overview["bid_round"]
    return {
        "challenge_until": until,
        "challenge_open": tx.stage == InquiryStage.RESULT_PUBLISHED and until is not None and clock.now() < until,
        "challenge_companies": [company for company in invited if company.pk not in busy],
        "challenges_waiting": waiting,
        "challenge_days": param(tx, "challenge_working_days"),
        "challenge_represented_by": bid_round.deadline if bid_round else None,
    }


def _drawn(tx, draw, *, staff, group_visible, opened):
    """What the viewer may know of a draw's result: None while it is secret to them (the
    station's staff see it once performed, everyone once revealed, as the ledger publishes
    it); else [{"number", "name"}] in the order drawn, the name None where it is still secret
    to them (the experts' names until the group is theirs to see, the suppliers' until the
    quotes are opened), so a page shows which code is which member wherever names are known."""
    if draw.performed_at is None or not (staff or draw.revealed_at is not None):
        return None
    names_visible = staff or (group_visible if draw.purpose == DrawPurpose.EXPERTS else opened)
    entries = {e.number: e for e in pool_entries(tx.station, draw.purpose, draw.result)} if names_visible else {}

    def name(entry):
        return entry.user.ledger_name() if draw.purpose == DrawPurpose.EXPERTS else entry.company.name

    return [{"number": n, "name": name(entries[n]) if n in entries else None} for n in draw.result]


def suggested_deadline(tx, earliest):
    """What the notice form offers: 09:00 Beijing time of the earliest allowed day (the
    earliest is 00:00 of it), or for a sandbox the earliest allowed moment rounded up to
    the next minute."""
    if tx.is_sandbox:
        return (earliest + timedelta(seconds=59)).replace(second=0, microsecond=0)
    return earliest + timedelta(hours=9)


def clerk_choices(tx, user) -> dict:
    """What the clerk chooses from to form the group and issue the notice (the page's forms
    and GET /api/v1/transactions/{code}/inquiry/choices/): the purchaser's people who may sit
    in the group or hold a custodian's share, the station's supervisors, the active supplier
    pool, and the rule set's numbers with the earliest quote deadline it allows now (or why
    the calendar cannot count it, or that it counts a provisional year). For the
    station's clerks only (NotPermitted otherwise): the pool is the station's working list."""
    if Role.CLERK not in viewer_roles(tx, user):
        raise NotPermitted(_("this is done by a clerk of %(station)s") % {"station": tx.station})
    rule_set = rulesets.in_force(tx.station, PROCEDURE)
    draw = supplier_draw(tx)
    choices = {
        "group_min_size": rulesets.param(rule_set, "group_min_size"),
        "min_invitees": rulesets.param(rule_set, "min_invitees"),
        "unit_purchasers": User.objects.filter(memberships__role=Role.PURCHASER,
                                               memberships__unit=tx.unit).distinct().order_by("pk"),
        "supervisors": User.objects.filter(memberships__role=Role.SUPERVISOR,
                                           memberships__station=tx.station).distinct().order_by("pk"),
        "companies": Company.objects.filter(pool_entries__station=tx.station,
                                            pool_entries__active=True).distinct().order_by("pk"),
        "supplier_draw_binds": draw is not None and draw.performed_at is not None,
        "earliest_deadline": None,
        "suggested_deadline": None,
        "calendar_error": None,
        "calendar_provisional": None,
    }
    now, period = clock.now(), rulesets.param(rule_set, "quote_period_working_days")
    try:
        choices["earliest_deadline"] = deadlines.at_least_working_days(tx, now, period)
        choices["suggested_deadline"] = suggested_deadline(tx, choices["earliest_deadline"])
        # The demo's stand-in year (weekends only) is counted, and said so.
        choices["calendar_provisional"] = workdays.provisional_warning(now, period)
    except DomainError as exc:
        choices["calendar_error"] = exc.message
    return choices


__all__ = ["challenge_choices", "clerk_choices", "inquiry_overview", "notices_for", "suggested_deadline", "viewer_roles"]
