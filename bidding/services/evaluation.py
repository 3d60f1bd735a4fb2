"""Evaluation by a panel (inquiry group, evaluation committee), procedure-neutral.

* `panel_verdicts`: per opened offer, every member's assessment and the panel's verdict
  (majority); an envelope that did not open is not responsive and needs no assessment.
* `assessment_record`, `score_record`, `report_sign`: a member's work, allowed once the
  offers are opened and until the procedure records its evaluation (milestone
  `evaluated`): never decided by stage names.
* `report_digest`: the SHA-256 of the signed report (verdicts, reasons, scores, signatures,
  dissent) that the procedure ledgers.
* `rank`: the award method as a strategy (bidding/awards.py) over the verdicts.
"""

import hashlib
from decimal import Decimal, InvalidOperation

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Milestone, Transaction
from trading.services.milestones import milestone_reached
from trading.text import clean_text

from .. import awards
from ..models import Assessment, Opening, OpeningRecord, PanelMember, Score


def panel_members(transaction, round=None):
    return list(PanelMember.objects.filter(transaction_id=transaction.pk,
                                           round=transaction.round if round is None else round)
                .select_related("user").order_by("pk"))


def panel_verdicts(transaction, bid_round, *, budget=None, part="offer"):
    """(members, rows): per opening record of the round's part, in ascending price order,
    {"record", "bid", "company", "name", "uscc", "price", "opened", "votes", "decided",
    "responsive", "within_budget"}. The name and code are those the offer was submitted under."""
    members = panel_members(transaction, bid_round.procedure_round)
    records = list(OpeningRecord.objects.filter(opening__bid_round=bid_round, opening__part=part)
                   .select_related("bid__company").order_by("price", "bid__received_at"))
    assessments = {(a.member_id, a.bid_id): a for a in Assessment.objects.filter(member__in=members)}
    rows = []
    for record in records:
        opened = record.outcome == OpeningRecord.OPENED
        votes = [assessments.get((m.pk, record.bid_id)) for m in members] if opened else [None] * len(members)
        yes = sum(1 for v in votes if v is not None and v.responsive)
        decided = not opened or all(v is not None for v in votes)
        rows.append({
            "record": record, "bid": record.bid, "company": record.bid.company, "name": record.bid.bidder_name,
            "uscc": record.bid.bidder_uscc, "price": record.price, "opened": opened,
            "votes": list(zip(members, votes, strict=True)), "decided": decided,
            "responsive": opened and decided and yes * 2 > len(members),
            "within_budget": opened and record.price is not None and (budget is None or record.price <= budget),
        })
    return members, rows


def rank_lowest_price(rows, *, budget=None) -> list[dict]:
    """The rows the lowest-responsive-price method ranks, best first."""
    offers = [awards.Offer(key=r["bid"].pk, price=r["price"], arrived=r["bid"].received_at,
                           responsive=r["responsive"]) for r in rows]
    by_key = {r["bid"].pk: r for r in rows}
    return [by_key[ranked.key] for ranked in awards.lowest_responsive_price(offers, budget=budget)]


def report_digest(transaction, bid_round, members, rows) -> str:
    """SHA-256 of the report as signed: every verdict with its reason (an envelope that did
    not open: its recorded reason), every signature and dissent."""
    lines = [f"{transaction.code} round {bid_round.procedure_round}"]
    for row in rows:
        if not row["opened"]:
            lines.append(f"{row['bid'].commitment} not-opened {row['record'].reason}")
            continue
        for member, vote in row["votes"]:
            lines.append(f"{row['bid'].commitment} {member.pk} {vote.responsive} {vote.reason}")
    for member in members:
        signed = member.signed_at.isoformat() if member.signed_at else "unsigned"
        lines.append(f"{member.pk} signed {signed} dissent {member.dissent}")
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _lock(transaction):
    return Transaction.objects.select_for_update().get(pk=transaction.pk).as_procedure()


def _member_at_work(transaction, bid_round, user, *, what) -> PanelMember:
    """The panel seat of `user`, if the panel may still work on the round's offers."""
    if not transaction.is_live():
        raise StageConflict(_("%(code)s is at stage “%(stage)s”: the panel's work waits")
                            % {"code": transaction.code, "stage": transaction.stage_label()},
                            stage=transaction.stage)
    if not Opening.objects.filter(bid_round=bid_round).exists() or milestone_reached(
            transaction, Milestone.EVALUATED, round=bid_round.procedure_round):
        raise StageConflict(_("quotes are assessed after the opening and before the evaluation is complete"))
    member = PanelMember.objects.filter(transaction_id=transaction.pk, round=bid_round.procedure_round,
                                        user=user).first()
    if member is None:
        raise NotPermitted(_("only members of this panel %(what)s") % {"what": what})
    return member


@db_transaction.atomic
def assessment_record(*, transaction, bid_round, user, commitment, responsive, reason) -> Assessment:
    """A member marks one opened offer responsive or not, with a reason."""
    transaction = _lock(transaction)
    member = _member_at_work(transaction, bid_round, user, what=_("assess its offers"))
    if member.signed_at is not None:
        raise StageConflict(_("you have signed the report; your assessments are final"))
    record = (OpeningRecord.objects.filter(opening__bid_round=bid_round, bid__commitment=str(commitment or ""))
              .select_related("bid").first())
    if record is None:
        raise InvalidInput(_("no opened quote with this commitment"), field="commitment")
    if record.outcome != OpeningRecord.OPENED:
        raise RuleViolation(_("an envelope that did not decrypt is not assessed: it has no quote and is not "
                              "responsive"), rule="evaluation.assess_opened")
    reason = clean_text(reason, field=_("reason"), max_length=2000, multiline=True)
    assessment, _created = Assessment.objects.update_or_create(
        member=member, bid=record.bid, defaults={"responsive": bool(responsive), "reason": reason})
    return assessment


@db_transaction.atomic
def score_record(*, transaction, bid_round, user, commitment, criterion, points, weights) -> Score:
    """A member's points for one criterion of one opened offer (0..the criterion's weight)."""
    transaction = _lock(transaction)
    member = _member_at_work(transaction, bid_round, user, what=_("score its offers"))
    if member.signed_at is not None:
        raise StageConflict(_("you have signed the report; your scores are final"))
    if criterion not in weights:
        raise InvalidInput(_("the documents score these criteria: %(names)s") % {"names": ", ".join(weights)},
                           field="criterion")
    try:
        value = Decimal(str(points).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("points are a number like 27.5"), field="points") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(weights[criterion]) or value != value.quantize(
            Decimal("0.01")):
        raise InvalidInput(_("%(criterion)s is scored from 0 to %(max)s, with at most two decimals")
                           % {"criterion": criterion, "max": weights[criterion]}, field="points")
    record = (OpeningRecord.objects.filter(opening__bid_round=bid_round, bid__commitment=str(commitment or ""),
                                           outcome=OpeningRecord.OPENED).select_related("bid").first())
    if record is None:
        raise InvalidInput(_("no opened offer with this commitment"), field="commitment")
    score, _created = Score.objects.update_or_create(member=member, bid=record.bid, criterion=criterion,
                                                     defaults={"points": value})
    return score


@db_transaction.atomic
def report_sign(*, transaction, bid_round, user, dissent="", budget=None, part="offer") -> PanelMember:
    """A member signs the report once it has assessed every opened offer (of `part`)."""
    transaction = _lock(transaction)
    member = _member_at_work(transaction, bid_round, user, what=_("sign its report"))
    _members, rows = panel_verdicts(transaction, bid_round, budget=budget, part=part)
    missing = [r for r in rows if r["opened"] and dict((m.pk, v) for m, v in r["votes"]).get(member.pk) is None]
    if missing:
        raise RuleViolation(_("assess every opened quote before signing (%(count)d left)") % {"count": len(missing)},
                            rule="evaluation.assess_all")
    member.dissent = clean_text(dissent, field=_("dissent"), max_length=5000, required=False, multiline=True)
    member.signed_at = clock.now()
    member.save(update_fields=["dissent", "signed_at"])
    return member


def report_state(members, rows) -> dict:
    """What the report still lacks: {"missing": assessments missing, "unsigned": names}."""
    return {
        "missing": sum(1 for r in rows if r["opened"] for _m, v in r["votes"] if v is None),
        "unsigned": [m.user.ledger_name() for m in members if m.signed_at is None],
    }
