"""What each person may see of a tender, and when (the secrecy rules of DOMAIN.md), decided
from what the tender has recorded (the round's closing and openings, milestones), never
from lists of stage names:

* Before the bid deadline nobody but a bidder itself learns who registered, who bid or how
  many: no page, API answer or ledger entry says it; an objection to the documents is shown
  without the name of who raised it (but to that bidder).
* Once the bids are closed the bidders and their number are public; prices and the
  technical documents' digests with the opening record.
* The committee's names: the clerk, the supervisors and the members until the result is
  published, then everyone; the evaluation (verdicts, scores) likewise; the ranked
  candidates are public from their notice on.
* A bidder sees its own bids, receipts, securities and the notices addressed to it.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from bidding import selectors_sealed
from bidding.models import (
    Acceptance,
    Award,
    BidStatus,
    Challenge,
    Contract,
    Draw,
    OpeningRecord,
    PanelMember,
)
from trading import clock, deadlines, rulesets
from trading.errors import DomainError, NotPermitted
from trading.models import DocumentPurpose, Milestone, Role, User
from trading.selectors import documents_for, notices_for
from trading.services.milestones import milestone_reached

from .records import BidSecurity, EvaluationMethod, TechnicalDocument
from .services import evaluation
from .services.bids import bidders, complete_bid_count
from .services.changes import answer_due
from .services.common import PROCEDURE, bid_round_of, round_of


def viewer_roles(tx, user) -> set[str]:
    """clerk, supervisor, purchaser (of the unit), member (of the current committee),
    bidder (represents a registered company)."""
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


def _challenges(tx, user, roles, *, names_public):
    """Objections of the round as the user may see them: {"challenge", "company" (or None
    while who raised it is secret), "mine", "due_by"}."""
    rows = []
    mine = set(user.companies.values_list("pk", flat=True)) if user is not None and user.is_authenticated else set()
    for challenge in Challenge.objects.filter(transaction_id=tx.pk, round=tx.round).select_related("company"):
        own = challenge.company_id in mine
        if not (own or roles & {Role.CLERK, Role.SUPERVISOR, Role.PURCHASER} or challenge.answered_at):
            continue
        rows.append({"challenge": challenge, "mine": own, "due_by": answer_due(tx, challenge),
                     "company": challenge.company if names_public or own else None})
    return rows


def opening_rows(tx, part):
    bid_round = bid_round_of(tx)
    return list(OpeningRecord.objects.filter(opening__bid_round=bid_round, opening__part=part)
                .select_related("bid__company").order_by("price", "bid__received_at"))


def tender_overview(tx, user):
    """Everything about the tender that `user` may see now, for pages and the API."""
    roles = viewer_roles(tx, user)
    staff = bool(roles & {Role.CLERK, Role.SUPERVISOR})
    record = round_of(tx)
    bid_round = bid_round_of(tx)
    closed = selectors_sealed.round_closed(bid_round)
    published = milestone_reached(tx, Milestone.RESULT_PUBLISHED)
    opened_parts = [part for part in (bid_round.part_names if bid_round else [])
                    if selectors_sealed.opening_of(bid_round, part) is not None]
    inside = staff or "member" in roles
    overview = {
        "roles": roles,
        "record": record if record.pk else None,
        "bid_round": bid_round,
        "deadline": bid_round.deadline if bid_round else None,
        "accepting": selectors_sealed.round_accepting(bid_round),
        "registering": bool(bid_round and record.pk and not closed and clock.now() < record.documents_until),
        "server_now": clock.now(),
        "time_factor": tx.time_factor,
        "documents_version": bid_round.documents_version if bid_round else None,
        "documents": [d for d in documents_for(tx, None) if d.purpose == DocumentPurpose.SPECIFICATION],
        "bid_count": complete_bid_count(tx) if closed else None,
        "bidders": bidders(tx) if closed else None,
        "draws": list(Draw.objects.filter(transaction_id=tx.pk, round=tx.round)),
        "draw_results_visible": staff,
        "committee": None,
        "openings": {part: opening_rows(tx, part) for part in opened_parts},
        "evaluation_visible": bool(opened_parts) and (inside or published),
        "candidates": None,
        "award": None,
        "challenges": _challenges(tx, user, roles, names_public=closed),
        "my_admissions": [],
        "my_bids": [],
        "to_confirm": [],
        "securities": [],
        "technical_documents": [],
        "contract": Contract.objects.filter(transaction_id=tx.pk).first(),
        "acceptance": Acceptance.objects.filter(contract__transaction_id=tx.pk).first(),
        "method_label": EvaluationMethod(record.method).label if record.pk else None,
    }
    if inside or published:
        overview["committee"] = list(PanelMember.objects.filter(transaction_id=tx.pk, round=tx.round)
                                     .select_related("user").order_by("pk"))
    award = Award.objects.filter(transaction_id=tx.pk, round=tx.round).select_related("bid__company").first()
    if award is not None and (record.candidates_published_at or inside):
        overview["candidates"] = award.ranking
    if award is not None and milestone_reached(tx, Milestone.AWARDED) and (published or inside
                                                                           or Role.PURCHASER in roles):
        overview["award"] = award
    if user is not None and user.is_authenticated and bid_round is not None:
        overview["my_admissions"] = list(selectors_sealed.admissions_for(user, tx, bid_round))
        overview["my_bids"] = list(selectors_sealed.own_bids(user, tx))
        overview["to_confirm"] = [b for b in overview["my_bids"] if b.status == BidStatus.LIVE
                                  and b.bid_round_id == bid_round.pk and b.documents_version < bid_round.documents_version]
    securities = BidSecurity.objects.filter(transaction_id=tx.pk, round=tx.round).select_related("company")
    if staff or Role.PURCHASER in roles:
        overview["securities"] = list(securities)
    elif user is not None and user.is_authenticated:
        overview["securities"] = list(securities.filter(company__representations__user=user))
    if "technical" in opened_parts and (inside or published):
        overview["technical_documents"] = technical_documents(tx)
    return overview


def technical_documents(tx):
    """The technical documents whose SHA-256 an opened technical envelope holds, with the
    bid they belong to (after the technical opening)."""
    bid_round = bid_round_of(tx)
    opened = {r.bid.company_id: r.content_sha256 for r in opening_rows(tx, "technical") if r.content_sha256}
    return [d for d in TechnicalDocument.objects.filter(bid_round=bid_round).select_related("company")
            if opened.get(d.company_id) == d.sha256]


def scoring_table(tx) -> dict:
    """The evaluation table: per bid, each member's verdict (and for scoring, technical and
    commercial points and total with the platform's price score), and the aggregate: the
    committee's verdict, the score, the rank. Members by seat (1..n) in the order seated."""
    members, rows = evaluation.verdicts(tx)
    scoring = round_of(tx).method == EvaluationMethod.SCORING
    scores = evaluation.member_scores(members, rows) if scoring else {}
    prices = evaluation.price_scores(tx, rows) if scoring else {}
    ranked = {c["bid"].pk: c for c in evaluation.ranking(tx)}
    table = []
    for row in rows:
        bid_pk = row["bid"].pk
        cells = []
        for member, vote in row["votes"]:
            technical = scores.get((member.pk, bid_pk, "technical"))
            commercial = scores.get((member.pk, bid_pk, "commercial"))
            price = prices.get(bid_pk)
            total = (price + technical + commercial) if None not in (price, technical, commercial) else None
            cells.append({"member": member, "vote": vote, "technical": technical, "commercial": commercial,
                          "price_score": price, "total": total})
        candidate = ranked.get(bid_pk)
        table.append({**row, "cells": cells, "price_score": prices.get(bid_pk),
                      "rank": candidate["rank"] if candidate else None,
                      "score": candidate["score"] if candidate else None,
                      "flags": candidate["flags"] if candidate else []})
    return {"members": members, "rows": table, "scoring": scoring}


def clerk_choices(tx, user) -> dict:
    """What the clerk chooses from to issue the notice and form the committee (the page's
    forms and GET /api/v1/transactions/{code}/tender/choices/): the unit's people, the
    station's supervisors, the rule set's numbers and the earliest dates it allows now. For
    the station's clerks only (NotPermitted otherwise)."""
    if Role.CLERK not in viewer_roles(tx, user):
        raise NotPermitted(_("this is done by a clerk of %(station)s") % {"station": tx.station})
    rule_set = rulesets.in_force(tx.station, PROCEDURE)
    param = lambda name: rulesets.param(rule_set, name)  # noqa: E731
    now = clock.now()
    share = rulesets.fraction(rule_set, "security_max_share")
    choices = {
        "committee_min_size": param("committee_min_size"),
        "max_security": (tx.amount * share.numerator / share.denominator).quantize(Decimal("0.01")),
        "unit_purchasers": User.objects.filter(memberships__role=Role.PURCHASER,
                                               memberships__unit=tx.unit).distinct().order_by("pk"),
        "supervisors": User.objects.filter(memberships__role=Role.SUPERVISOR,
                                           memberships__station=tx.station).distinct().order_by("pk"),
        "earliest_deadline": None, "earliest_documents_until": None, "calendar_error": None,
    }
    try:
        choices["earliest_deadline"] = deadlines.at_least_days(tx, now, param("bid_period_days"))
        choices["earliest_documents_until"] = deadlines.at_least_days(tx, now, param("documents_available_days"))
    except DomainError as exc:
        choices["calendar_error"] = exc.message
    return choices


__all__ = ["clerk_choices", "notices_for", "scoring_table", "technical_documents", "tender_overview",
           "viewer_roles"]
