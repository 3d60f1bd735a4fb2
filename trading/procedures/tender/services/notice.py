"""The tender notice (招标公告) and its documents: the rule set put in force, the periods
checked against it (documents available at least 5 days, at least 20 days from issuing
them to the bid deadline), the maximum price and the bid security (at most 2% of the
estimate; no minimum price exists), the evaluation method with its published weights,
one or two envelopes, the round of sealed bids (replaceable and withdrawable until the
deadline, open to the bidders that register, related bidders excluded) with an opening key
per envelope split among three custodians, and the notice published with those keys."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bidding import crypto
from bidding.models import AdmissionRule, BidPolicy
from bidding.services.custodians import opening_key_create
from bidding.services.rounds import round_open
from ledger.core.entry import format_ts
from trading import deadlines, rulesets
from trading.errors import InvalidInput, RuleViolation
from trading.models import DocumentPurpose, NoticeKind, Role, User
from trading.money import parse_yuan
from trading.services.notices import notice_publish
from trading.services.transitions import transaction_transition
from trading.text import clean_id, clean_text

from .. import params
from ..records import CRITERIA, EvaluationMethod
from .common import PROCEDURE, local, round_of, violation

# Real seconds after the deadline before the bids close: time for bids that arrived
# before it (their arrival is what counts) to be taken in (docs/clock.md).
BID_CLOSE_GRACE_SECONDS = 3
# A member's total that differs from the others' mean by more than this many points is
# flagged in the report (published in the notice; bidding.awards.comprehensive_scoring).
DEVIATION_POINTS = Decimal("20")
HUNDRED = Decimal("100")


def parts_for(two_envelopes: bool) -> list[str]:
    """The parts of a bid, in opening order."""
    return ["technical", "price"] if two_envelopes else ["offer"]


def price_part(two_envelopes: bool) -> str:
    return "price" if two_envelopes else "offer"


def _aware(value, field, label):
    if not isinstance(value, datetime) or timezone.is_naive(value):
        raise InvalidInput(_("%(field)s must be a date and time") % {"field": label}, field=field)
    return value


def clean_weights(method, weights) -> dict:
    """Comprehensive scoring: the maximum points of price, technical and commercial, each
    with at most two decimals, price above zero, adding up to 100 ({} for lowest price)."""
    if method == EvaluationMethod.LOWEST_PRICE:
        return {}
    if not isinstance(weights, dict) or set(weights) != set(CRITERIA):
        raise InvalidInput(_("comprehensive scoring publishes the weights of price, technical and commercial"),
                           field="weights")
    clean = {}
    for criterion in CRITERIA:
        try:
            value = Decimal(str(weights[criterion]).strip())
        except (InvalidOperation, ValueError):
            raise InvalidInput(_("the weight of %(criterion)s is a number like 40") % {"criterion": criterion},
                               field="weights") from None
        if not value.is_finite() or value < 0 or value > HUNDRED or value != value.quantize(Decimal("0.01")):
            raise InvalidInput(_("the weight of %(criterion)s is between 0 and 100, with at most two decimals")
                               % {"criterion": criterion}, field="weights")
        clean[criterion] = value.quantize(Decimal("0.01"))
    if clean["price"] <= 0:
        raise InvalidInput(_("the price has a weight above zero"), field="weights")
    if sum(clean.values()) != HUNDRED:
        raise InvalidInput(_("the weights add up to 100 (given: %(sum)s)") % {"sum": sum(clean.values())},
                           field="weights")
    return {criterion: f"{value:.2f}" for criterion, value in clean.items()}


def tender_issue_notice(*, code, user, deadline, documents_until, method, qualifications, weights=None,
                        max_price=None, security_amount=None, two_envelopes=False, supervisor=None,
                        purchaser_rep=None, expected_stage=None):
    """The clerk issues the tender notice with its documents (the specification attached
    to the transaction)."""
    deadline = _aware(deadline, "deadline", _("the bid deadline"))
    documents_until = _aware(documents_until, "documents_until", _("the end of the documents period"))
    if method not in EvaluationMethod.values:
        raise InvalidInput(_("choose the evaluation method: %(methods)s")
                           % {"methods": ", ".join(EvaluationMethod.values)}, field="method")
    weights = clean_weights(method, weights)
    qualifications = clean_text(qualifications, field=_("qualification requirements"), max_length=4000,
                                multiline=True)
    max_price = parse_yuan(max_price, field=_("maximum price")) if max_price not in (None, "") else None
    security_amount = (parse_yuan(security_amount, field=_("bid security"))
                       if security_amount not in (None, "") else None)
    if two_envelopes not in (True, False):
        raise InvalidInput(_("say whether the bids have two envelopes"), field="two_envelopes")
    return transaction_transition(
        code=code, action="issue_notice", user=user, expected_stage=expected_stage, deadline=deadline,
        documents_until=documents_until, evaluation_method=method, weights=weights, qualifications=qualifications,
        max_price=max_price, security_amount=security_amount, two_envelopes=two_envelopes,
        supervisor=supervisor, purchaser_rep=purchaser_rep)


def earliest_deadline(tx, issued):
    return deadlines.at_least_days(tx, issued, rulesets.param(tx.rule_set, "bid_period_days"))


def earliest_documents_until(tx, issued):
    return deadlines.at_least_days(tx, issued, rulesets.param(tx.rule_set, "documents_available_days"))


def _person(value, field, label):
    if isinstance(value, User):
        return value
    if value in (None, ""):
        return None
    return User.objects.filter(pk=clean_id(value, field=label)).first()


def custodians_of(tx, clerk, supervisor, purchaser_rep):
    """The opening key's custodians: the clerk, a supervisor of the station, a
    representative of the owning unit (three people, three roles)."""
    supervisor = _person(supervisor, "supervisor", _("supervisor custodian"))
    rep = _person(purchaser_rep, "purchaser_rep", _("purchaser's representative custodian"))
    if supervisor is None or not supervisor.memberships.filter(role=Role.SUPERVISOR, station_id=tx.station_id).exists():
        raise InvalidInput(_("choose a supervisor of %(station)s as custodian") % {"station": tx.station},
                           field="supervisor")
    if rep is None or not rep.memberships.filter(role=Role.PURCHASER, unit_id=tx.unit_id).exists():
        raise InvalidInput(_("choose a representative of %(unit)s as custodian") % {"unit": tx.unit},
                           field="purchaser_rep")
    if len({clerk.pk, supervisor.pk, rep.pk}) != 3:
        raise RuleViolation(_("the opening key's custodians are three different people of different roles"),
                            rule="tender.custodians")
    return [(clerk, Role.CLERK), (supervisor, Role.SUPERVISOR), (rep, Role.PURCHASER)]


def issue_notice(tx, *, user, now, deadline, documents_until, evaluation_method, weights, qualifications, max_price,
                 security_amount, two_envelopes, supervisor=None, purchaser_rep=None) -> dict:
    """The move's body (`evaluation_method`: django-fsm keeps the name `method` for itself)."""
    method = evaluation_method
    tx.rule_set = rulesets.in_force(tx.station, PROCEDURE)
    earliest = earliest_deadline(tx, now)
    if deadline < earliest:
        raise violation(tx, "bid_period_days",
                        _("the bid deadline is at least %(n)d days after the documents are first issued; earliest "
                          "allowed: %(earliest)s"), "tender.bid_period",
                        n=rulesets.param(tx.rule_set, "bid_period_days"), earliest=local(earliest))
    documents_earliest = earliest_documents_until(tx, now)
    if documents_until < documents_earliest:
        raise violation(tx, "documents_available_days",
                        _("the tender documents are available for at least %(n)d days; the earliest end allowed: "
                          "%(earliest)s"), "tender.documents_period",
                        n=rulesets.param(tx.rule_set, "documents_available_days"), earliest=local(documents_earliest))
    if documents_until > deadline:
        raise InvalidInput(_("the documents period ends by the bid deadline"), field="documents_until")
    if security_amount is not None:
        share = rulesets.fraction(tx.rule_set, "security_max_share")
        ceiling = (tx.amount * share.numerator / share.denominator).quantize(Decimal("0.01"))
        if security_amount > ceiling:
            raise violation(tx, "security_max_share",
                            _("the bid security is at most %(share)s of the estimated price, %(ceiling)s yuan; "
                              "given %(amount)s"), "tender.security_max",
                            share=rulesets.param(tx.rule_set, "security_max_share"), ceiling=f"{ceiling:,.2f}",
                            amount=f"{security_amount:,.2f}")
    custodians = custodians_of(tx, user, supervisor, purchaser_rep)
    parts = parts_for(two_envelopes)
    bid_round = round_open(transaction=tx, opens_at=now, deadline=deadline, policy=BidPolicy.WITHDRAWABLE,
                           parts=parts, admission=AdmissionRule.REGISTERED, grace_seconds=BID_CLOSE_GRACE_SECONDS,
                           related_parties_rule=params.BLR_34)
    keys = {part: bytes(opening_key_create(bid_round=bid_round, custodians=custodians, part=part, user=user,
                                           k=rulesets.param(tx.rule_set, "custodians_k")).public_key).hex()
            for part in parts}
    record = round_of(tx)
    record.notice_issued_at, record.documents_until, record.first_deadline = now, documents_until, deadline
    record.two_envelopes, record.method, record.weights = two_envelopes, method, weights
    record.max_price, record.security_amount = max_price, security_amount
    record.failed_cause = ""
    record.save()
    notice = notice_publish(
        tx, kind=NoticeKind.TENDER, user=user, now=now,
        title=_("Tender notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
        body=notice_text(tx, record, deadline=deadline, qualifications=qualifications, keys=keys),
        ledger_data={"opening_public_keys": keys, "method": method, "two_envelopes": two_envelopes},
    )
    data = {
        "round": tx.round,
        "rule_set": rulesets.ledger_reference(tx.rule_set),
        "bid_deadline": format_ts(deadline),
        "documents_until": format_ts(documents_until),
        "notice_sha256": notice.sha256,
        "method": method,
        "two_envelopes": two_envelopes,
    }
    if weights:
        data["weights"] = weights
    if max_price is not None:
        data["max_price"] = f"{max_price:.2f}"
    if security_amount is not None:
        data["security"] = f"{security_amount:.2f}"
    return data


def method_lines(record) -> list[str]:
    """How the bids are evaluated, as the notice publishes it."""
    if record.method == EvaluationMethod.LOWEST_PRICE:
        return [_("Evaluation: lowest evaluated price. The committee rejects bids that do not meet the "
                  "documents (with reasons); the others rank by ascending price, ties by earlier receipt.")]
    w = record.weights
    return [
        _("Evaluation: comprehensive scoring out of 100: price %(price)s, technical %(technical)s, commercial "
          "%(commercial)s points.") % w,
        _("Price score (computed by the platform): the lowest evaluated price among the acceptable bids scores "
          "%(price)s; another price P scores %(price)s × lowest / P, rounded half up to two decimals.") % w,
        _("Each member scores technical and commercial on its own; a bid's score is the mean of the members' "
          "totals, after removing the highest and the lowest when there are 7 or more members; a member's total "
          "more than %(points)s points from the others' mean is flagged in the report. Ties: lower price, then "
          "earlier receipt.") % {"points": DEVIATION_POINTS},
    ]


def notice_text(tx, record, *, deadline, qualifications, keys) -> str:
    lines = [
        _("Transaction %(code)s: %(title)s") % {"code": tx.code, "title": tx.title},
        _("Tenderer: %(unit)s, through %(station)s") % {"unit": tx.unit, "station": tx.station},
        _("Procedure: open tender (Bidding Law); round %(round)d") % {"round": tx.round},
        _("Estimated price: %(amount)s yuan") % {"amount": f"{tx.amount:,.2f}"},
        (_("Maximum price: %(amount)s yuan; bids above it are rejected") % {"amount": f"{record.max_price:,.2f}"}
         if record.max_price is not None else _("No maximum price.")) + " " + _("There is no minimum price."),
        _("Qualification requirements: %(text)s") % {"text": qualifications},
        _("Tender documents available until %(until)s (Beijing time), to the bidders that register on the "
          "platform:") % {"until": local(record.documents_until)},
    ]
    for document in tx.documents.filter(purpose=DocumentPurpose.SPECIFICATION).order_by("pk"):
        lines.append(f"  {document.name} SHA-256 {document.sha256} "
                     f"{reverse('tender-document', args=[tx.code, document.pk])}")
    lines += [
        _("Bid deadline: %(deadline)s (Beijing time); the platform's clock decides. Fewer than %(min)d bids: no "
          "opening, the round fails and is re-tendered.") % {"deadline": local(deadline),
                                                             "min": rulesets.param(tx.rule_set, "min_bids")},
        (_("Bid security: %(amount)s yuan, by transfer, bank guarantee or guarantee insurance; refunded within "
           "%(days)d days of the contract.") % {"amount": f"{record.security_amount:,.2f}",
                                                "days": rulesets.param(tx.rule_set, "security_refund_days")}
         if record.security_amount is not None else _("No bid security.")),
        *method_lines(record),
        _("At most %(n)d ranked candidates are publicised for at least %(days)d days.")
        % {"n": rulesets.param(tx.rule_set, "max_candidates"),
           "days": rulesets.param(tx.rule_set, "candidates_publicity_days")},
        _("Bids are sealed to the opening key and may be replaced or withdrawn until the deadline, each with a "
          "signed receipt. Related bidders (the same legal representative, or one controlling another) cannot "
          "both bid."),
    ]
    if record.two_envelopes:
        lines.append(_("Two envelopes: the technical envelope (the SHA-256 of the technical documents, uploaded "
                       "with it) opens first; the price envelope opens only for the bids that pass."))
    for part, key in keys.items():
        lines.append(_("Opening public key of the %(part)s envelope (X25519, %(suite)s): %(key)s")
                     % {"part": part, "suite": crypto.SUITE_NAME, "key": key})
    if tx.is_sandbox:
        lines.insert(0, _("SANDBOX: a demonstration; its periods are compressed %(factor)d times and it is not a "
                          "real procedure.") % {"factor": tx.time_factor})
    if tx.description:
        lines.insert(2 + tx.is_sandbox, tx.description)
    return "\n".join(lines)
