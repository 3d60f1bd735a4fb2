"""The committee's evaluation (评标), by the method the notice fixed:

* lowest evaluated price: each member assesses each opened bid (acceptable or rejected,
  with a reason); the acceptable bids within the maximum price rank by ascending price
  (bidding.awards.lowest_responsive_price);
* comprehensive scoring: each member also scores technical and commercial on its own
  (0..the published weight); the platform computes the price score from the lowest
  evaluated price (bidding.awards.price_score) and aggregates (bidding.awards.
  comprehensive_scoring: the mean, trimmed with 7 or more members; deviating totals flagged).

At most `max_candidates` are ranked. The signed report's digest and every member's score
sheet digest are ledgered with the evaluation (by seat: the names are published with the
result); all bids rejected: the round fails and is re-tendered."""

import hashlib
from decimal import Decimal

from django.utils.translation import gettext as _

from bidding import awards
from bidding.models import Award, OpeningRecord, Score
from bidding.services import evaluation
from trading import deadlines
from trading.errors import InvalidInput, RuleViolation, StageConflict
from trading.models import Milestone
from trading.services.milestones import milestone_reach

from .. import params
from ..records import EvaluationMethod, FailureCause, TenderStage
from .bids import fail_round
from .common import bid_round_of, find, param, round_of
from .notice import DEVIATION_POINTS, price_part

MEMBER_CRITERIA = ("technical", "commercial")  # the price is scored by the platform


def part_of(tx, part=None) -> str:
    return part or price_part(round_of(tx).two_envelopes)


def verdicts(tx, part=None):
    """(members, rows) of a part of the current round (bidding.services.evaluation.panel_verdicts),
    the maximum price as the budget."""
    bid_round = bid_round_of(tx)
    if bid_round is None:
        return [], []
    return evaluation.panel_verdicts(tx, bid_round, budget=round_of(tx).max_price, part=part_of(tx, part))


def report_state(tx, part=None) -> dict:
    return evaluation.report_state(*verdicts(tx, part))


def _scoring(tx) -> bool:
    return round_of(tx).method == EvaluationMethod.SCORING


def member_scores(members, rows):
    """{(member pk, bid pk, criterion): points} of the members' own scores."""
    bids = [row["bid"].pk for row in rows if row["opened"]]
    return {(s.member_id, s.bid_id, s.criterion): s.points
            for s in Score.objects.filter(member__in=members, bid_id__in=bids)}


def scores_missing(tx, member=None) -> int:
    """Technical and commercial scores still missing (of `member`, or of every member)."""
    if not _scoring(tx):
        return 0
    members, rows = verdicts(tx)
    members = [m for m in members if member is None or m.pk == member.pk]
    given = member_scores(members, rows)
    return sum(1 for m in members for row in rows if row["opened"] for c in MEMBER_CRITERIA
               if (m.pk, row["bid"].pk, c) not in given)


def weights_of(tx) -> dict:
    return {criterion: Decimal(value) for criterion, value in round_of(tx).weights.items()}


def price_scores(tx, rows) -> dict:
    """{bid pk: price score} of the acceptable bids within the maximum price."""
    acceptable = [row for row in rows if row["responsive"] and row["within_budget"]]
    if not acceptable:
        return {}
    lowest = min(row["price"] for row in acceptable)
    weight = weights_of(tx)["price"]
    return {row["bid"].pk: awards.price_score(row["price"], lowest, weight) for row in acceptable}


def _offer(row):
    return awards.Offer(key=row["bid"].pk, price=row["price"], arrived=row["bid"].received_at,
                        responsive=row["responsive"] and row["within_budget"])


def ranking(tx) -> list[dict]:
    """The ranked candidates (at most max_candidates): {"rank", "bid", "name", "uscc",
    "price", "score", "flags" (seats of deviating members)}; [] while scores are missing."""
    members, rows = verdicts(tx)
    by_bid = {row["bid"].pk: row for row in rows}
    limit = param(tx, "max_candidates")
    if _scoring(tx):
        prices = price_scores(tx, rows)
        scores = dict(member_scores(members, rows))
        for member in members:
            for bid_pk, points in prices.items():
                scores[(member.pk, bid_pk, "price")] = points
        try:
            ranked = awards.comprehensive_scoring([_offer(r) for r in rows], scores, weights=weights_of(tx),
                                                  max_candidates=limit, deviation=DEVIATION_POINTS)
        except ValueError:
            return []
    else:
        ranked = awards.lowest_responsive_price([_offer(r) for r in rows])[:limit]
    seats = {m.pk: i + 1 for i, m in enumerate(members)}
    return [{"rank": r.rank, "bid": by_bid[r.key]["bid"], "name": by_bid[r.key]["name"],
             "uscc": by_bid[r.key]["uscc"], "price": r.price, "score": r.score,
             "flags": sorted(seats[member] for _kind, member in r.flags)} for r in ranked]


def candidates(tx) -> list[dict]:
    return ranking(tx)


def next_candidate_rank(tx) -> int | None:
    """The rank of the candidate after the one awarded now (None: none is left)."""
    award = Award.objects.filter(transaction_id=tx.pk, round=tx.round).first()
    current = round_of(tx).award_rank
    if award is None or current is None:
        return None
    later = [c["rank"] for c in award.ranking if c["rank"] > current]
    return min(later) if later else None


# --- the members' work ------------------------------------------------------------------------

def _record(tx, commitment) -> OpeningRecord:
    record = (OpeningRecord.objects.filter(opening__bid_round=bid_round_of(tx), bid__commitment=str(commitment or ""))
              .select_related("opening").first())
    if record is None:
        raise InvalidInput(_("no opened envelope with this commitment"), field="commitment")
    return record


def tender_assess(*, code, user, commitment, responsive, reason):
    """A member finds one opened envelope acceptable or not (technical envelopes while they
    are assessed, bids once their prices are opened), with a reason."""
    tx = find(code)
    part = _record(tx, commitment).opening.part
    wanted = TenderStage.TECHNICAL_OPENED if part == "technical" else TenderStage.OPENED
    if tx.stage != wanted:
        raise StageConflict(_("%(code)s is at stage “%(stage)s”: these envelopes are not assessed now")
                            % {"code": tx.code, "stage": tx.stage_label()}, stage=tx.stage)
    return evaluation.assessment_record(transaction=tx, bid_round=bid_round_of(tx), user=user, commitment=commitment,
                                        responsive=responsive, reason=reason)


def tender_score(*, code, user, commitment, criterion, points):
    """A member's points for technical or commercial of one opened bid (scoring only)."""
    tx = find(code)
    if not _scoring(tx):
        raise RuleViolation(_("the notice fixed the lowest evaluated price: bids are not scored (%(source)s)")
                            % {"source": params.BL_40}, rule="tender.method")
    if tx.stage != TenderStage.OPENED:
        raise StageConflict(_("bids are scored once their prices are opened"), stage=tx.stage)
    if criterion == "price":
        raise InvalidInput(_("the price score is computed by the platform by the published formula"),
                           field="criterion")
    weights = {c: w for c, w in round_of(tx).weights.items() if c in MEMBER_CRITERIA}
    return evaluation.score_record(transaction=tx, bid_round=bid_round_of(tx), user=user, commitment=commitment,
                                   criterion=str(criterion or ""), points=points, weights=weights)


def tender_sign(*, code, user, dissent=""):
    """A member signs the report once it has assessed (and scored) every opened bid."""
    tx = find(code)
    if tx.stage != TenderStage.OPENED:
        raise StageConflict(_("the report is signed once the bids are opened"), stage=tx.stage)
    member = next((m for m in verdicts(tx)[0] if m.user_id == user.pk), None)
    if member is not None and scores_missing(tx, member):
        raise RuleViolation(_("score technical and commercial of every opened bid before signing (%(count)d left)")
                            % {"count": scores_missing(tx, member)}, rule="tender.score_all")
    return evaluation.report_sign(transaction=tx, bid_round=bid_round_of(tx), user=user, dissent=dissent,
                                  budget=round_of(tx).max_price, part=part_of(tx))


# --- the report -------------------------------------------------------------------------------

def score_sheet(tx, member, rows) -> list[str]:
    """A member's score sheet as lines (what its digest covers)."""
    given = member_scores([member], rows)
    prices = price_scores(tx, rows) if _scoring(tx) else {}
    lines = [f"{tx.code} round {tx.round} seat-member {member.pk}"]
    for row in rows:
        if not row["opened"]:
            continue
        vote = dict((m.pk, v) for m, v in row["votes"]).get(member.pk)
        lines.append(f"{row['bid'].commitment} acceptable {vote.responsive if vote else None} "
                     f"{vote.reason if vote else ''}")
        if _scoring(tx):
            price = prices.get(row["bid"].pk)
            lines.append(f"{row['bid'].commitment} price {price if price is not None else '-'}")
            for criterion in MEMBER_CRITERIA:
                lines.append(f"{row['bid'].commitment} {criterion} {given.get((member.pk, row['bid'].pk, criterion))}")
    return lines


def sheet_digests(tx) -> list[dict]:
    members, rows = verdicts(tx)
    return [{"seat": i + 1, "sha256": hashlib.sha256("\n".join(score_sheet(tx, m, rows)).encode()).hexdigest()}
            for i, m in enumerate(members)]


def report_digest(tx) -> str:
    """SHA-256 of the signed report: every verdict and reason of every part, the signatures
    and dissent, every score sheet, the ranking."""
    bid_round = bid_round_of(tx)
    members, rows = verdicts(tx)
    lines = [evaluation.report_digest(tx, bid_round, members, rows)]
    if round_of(tx).two_envelopes:
        lines.append(evaluation.report_digest(tx, bid_round, *verdicts(tx, part="technical")))
    lines += [sheet["sha256"] for sheet in sheet_digests(tx)]
    lines += [f"{c['rank']} {c['bid'].commitment} {c['price']} {c['score']}" for c in ranking(tx)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def ranking_data(ranked) -> list[dict]:
    return [{"rank": c["rank"], "company": c["name"], "uscc": c["uscc"], "price": f"{c['price']:.2f}",
             "score": f"{c['score']:.2f}" if c["score"] is not None else None, "flags": c["flags"],
             "commitment": c["bid"].commitment} for c in ranked]


def complete_evaluation(tx, *, now) -> dict:
    ranked = ranking(tx)
    first = ranked[0]
    Award.objects.update_or_create(transaction_id=tx.pk, round=tx.round, defaults={
        "bid": first["bid"], "price": first["price"], "computed_at": now, "ranking": ranking_data(ranked)})
    record = round_of(tx)
    record.evaluated_at = now
    record.report_sha256 = report_digest(tx)
    record.score_sheets = sheet_digests(tx)
    record.candidates_due_by = deadlines.within_days(tx, now, param(tx, "candidates_publish_days"))
    record.save()
    milestone_reach(tx, Milestone.EVALUATED, at=now)
    flagged = sorted({seat for c in ranked for seat in c["flags"]})
    data = {"round": tx.round, "method": record.method, "report_sha256": record.report_sha256,
            "score_sheets": record.score_sheets, "candidates": len(ranked)}
    if flagged:
        data["deviating_seats"] = flagged  # a warning sign: scores far from the others'
    return data


def reject_all(tx, *, now, user) -> dict:
    milestone_reach(tx, Milestone.EVALUATED, at=now)
    record = round_of(tx)
    record.evaluated_at = now
    record.report_sha256 = report_digest(tx)
    record.score_sheets = sheet_digests(tx)
    record.save()
    reason = _("the evaluation committee rejected every bid (report SHA-256 %(sha)s); %(source)s") % {
        "sha": record.report_sha256, "source": params.BLR_51}
    return fail_round(tx, FailureCause.ALL_REJECTED, reason, now=now, user=user,
                      report_sha256=record.report_sha256, score_sheets=record.score_sheets)
