"""The disclosure notice (信息披露公告): the listing's terms checked against the appraisal
and the rule set, the disclosure period on the working-day calendar, and changes: the
notice cannot change during the disclosure, so a change (更正公告, `notice.changed`)
restarts the whole period from the change."""

from decimal import Decimal

from django.utils.translation import gettext as _

from ledger.core.entry import format_ts
from trading import deadlines, rulesets
from trading.errors import InvalidInput
from trading.models import DocumentPurpose, NoticeKind, Role
from trading.money import parse_yuan
from trading.services.notices import notice_change, notice_publish
from trading.services.transitions import transaction_transition
from trading.text import clean_text

from ..records import CompetitionMethod
from .appraisal import attach_or_reuse, check_appraisal_current
from .common import PROCEDURE, fraction, local, param, round_of, source, violation, yuan

# Bounds of the auction's countdown that the notice may fix (minutes): a platform rule.
COUNTDOWN_MINUTES_DEFAULT = 5
COUNTDOWN_MINUTES_MAX = 60


def clean_terms(*, listing_price, method, reserve_price=None, increment=None, countdown_minutes=None, deposit,
                conditions="") -> dict:
    """The listing's terms as typed (checked for form; the rules are checked in the move)."""
    terms = {"listing_price": parse_yuan(listing_price, field=_("listing price")),
             "deposit": parse_yuan(deposit, field=_("deposit")),
             "conditions": clean_text(conditions, field=_("conditions of the sale"), max_length=4000,
                                      required=False, multiline=True)}
    if method not in CompetitionMethod.values:
        raise InvalidInput(_("choose how two or more buyers compete: sealed best offers or an online auction"),
                           field="method")
    terms["method"] = method
    terms["reserve_price"] = (parse_yuan(reserve_price, field=_("reserve price"))
                              if reserve_price not in (None, "") else terms["listing_price"])
    terms["increment"], terms["countdown_seconds"] = None, None
    if method == CompetitionMethod.AUCTION:
        terms["increment"] = parse_yuan(increment, field=_("auction increment"))
        minutes = countdown_minutes if countdown_minutes not in (None, "") else COUNTDOWN_MINUTES_DEFAULT
        text = str(minutes).strip()
        if isinstance(minutes, bool) or not (text.isascii() and text.isdigit()) or not \
                1 <= int(text[:4]) <= COUNTDOWN_MINUTES_MAX:
            raise InvalidInput(_("the auction's countdown is a whole number of minutes from 1 to %(max)d")
                               % {"max": COUNTDOWN_MINUTES_MAX}, field="countdown_minutes")
        terms["countdown_seconds"] = int(text) * 60
    return terms


def check_terms(tx, record, terms, *, now, approval):
    """The listing price against the appraisal and the rule set (first listing: at least
    listing_min_share of it; a relisting below relist_approval_below_share needs a recorded
    approval), the reserve, the appraisal still current."""
    check_appraisal_current(tx, record, now)
    appraisal, price = record.appraised_value, terms["listing_price"]
    if tx.round == 1:
        share = fraction(tx, "listing_min_share")
        minimum = (appraisal * Decimal(share.numerator) / Decimal(share.denominator)).quantize(Decimal("0.01"))
        if price < minimum:
            raise violation(tx, "listing_min_share",
                            _("the listing price is at least %(min)s yuan (the appraised value %(appraisal)s times "
                              "%(share)s); given %(price)s"), "asset_sale.listing_min",
                            min=yuan(minimum), appraisal=yuan(appraisal), share=str(share), price=yuan(price))
    else:
        share = fraction(tx, "relist_approval_below_share")
        threshold = appraisal * Decimal(share.numerator) / Decimal(share.denominator)
        if price < threshold and approval is None:
            raise violation(tx, "relist_approval_below_share",
                            _("a relisting below %(threshold)s yuan (%(share)s of the appraised value %(appraisal)s) "
                              "needs the approving authority's document: attach it"),
                            "asset_sale.relist_approval", threshold=yuan(threshold.quantize(Decimal("0.01"))),
                            share=str(share), appraisal=yuan(appraisal))
    if terms["reserve_price"] < price:
        raise InvalidInput(_("the reserve price is at least the listing price (%(price)s yuan)")
                           % {"price": yuan(price)}, field="reserve_price")


def _apply(tx, record, terms, *, now, user, approval_upload):
    approval = (attach_or_reuse(tx, user=user, upload=approval_upload, purpose=DocumentPurpose.APPROVAL,
                                role=Role.CLERK) if approval_upload is not None else None)
    check_terms(tx, record, terms, now=now, approval=approval)
    for name in ("listing_price", "reserve_price", "method", "increment", "countdown_seconds", "deposit"):
        setattr(record, name, terms[name])
    record.price_approval_document = approval
    record.disclosure_started_at = now
    record.disclosure_until = deadlines.within_working_days(tx, now, param(tx, "disclosure_working_days"))
    return approval


def _ledger_terms(tx, record, approval) -> dict:
    data = {"round": tx.round, "listing_price": f"{record.listing_price:.2f}",
            "reserve_price": f"{record.reserve_price:.2f}", "method": record.method,
            "deposit": f"{record.deposit:.2f}", "appraised_value": f"{record.appraised_value:.2f}",
            "disclosure_until": format_ts(record.disclosure_until)}
    if record.method == CompetitionMethod.AUCTION:
        data.update(increment=f"{record.increment:.2f}", countdown_seconds=record.countdown_seconds)
    if approval is not None:
        data["price_approval_sha256"] = approval.sha256
    return data


def asset_publish_disclosure(*, code, user, approval_upload=None, expected_stage=None, **terms):
    return transaction_transition(code=code, action="publish_disclosure", user=user, expected_stage=expected_stage,
                                  terms=clean_terms(**terms), approval_upload=approval_upload)


def publish_disclosure(tx, *, user, now, terms, approval_upload=None) -> dict:
    """The move's body: the rule set in force, the terms checked, the period computed,
    the notice published (its digest in the ledger)."""
    tx.rule_set = rulesets.in_force(tx.station, PROCEDURE)
    record = round_of(tx)
    approval = _apply(tx, record, terms, now=now, user=user, approval_upload=approval_upload)
    notice = notice_publish(tx, kind=NoticeKind.DISCLOSURE, user=user, now=now,
                            title=_("Disclosure notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                            body=notice_text(tx, record, terms["conditions"]))
    record.notice = notice
    record.save()
    return {**_ledger_terms(tx, record, approval), "rule_set": rulesets.ledger_reference(tx.rule_set),
            "notice_sha256": notice.sha256}


def asset_change_disclosure(*, code, user, reason, approval_upload=None, expected_stage=None, **terms):
    reason = clean_text(reason, field=_("reason for the change"), max_length=2000, multiline=True)
    return transaction_transition(code=code, action="change_disclosure", user=user, expected_stage=expected_stage,
                                  terms=clean_terms(**terms), approval_upload=approval_upload, change_reason=reason)


def change_disclosure(tx, *, user, now, terms, change_reason, approval_upload=None) -> dict:
    """A change to the notice during the disclosure: a change notice naming the original,
    and the period restarts from now (the notice cannot change during disclosure)."""
    record = round_of(tx)
    approval = _apply(tx, record, terms, now=now, user=user, approval_upload=approval_upload)
    notice = notice_change(tx, original=record.notice, user=user, now=now, reason=change_reason,
                           title=_("Changed disclosure notice: %(title)s (%(code)s)")
                           % {"title": tx.title, "code": tx.code},
                           body=notice_text(tx, record, terms["conditions"], change_reason=change_reason))
    record.notice = notice
    record.disclosure_restarts += 1
    record.save()
    return {**_ledger_terms(tx, record, approval), "notice_sha256": notice.sha256, "restarted": True}


def notice_text(tx, record, conditions, change_reason="") -> str:
    lines = [
        _("Transaction %(code)s: %(title)s, round %(round)d") % {"code": tx.code, "title": tx.title,
                                                                 "round": tx.round},
        _("Seller: %(unit)s, through %(station)s") % {"unit": tx.unit, "station": tx.station},
        _("Procedure: public negotiated transfer of a state-owned asset (公开协商转让)"),
        _("Appraised value: %(value)s yuan (appraiser %(appraiser)s, %(date)s)")
        % {"value": yuan(record.appraised_value), "appraiser": record.appraiser,
           "date": record.appraised_on.isoformat()},
        _("Listing price: %(price)s yuan") % {"price": yuan(record.listing_price)},
        _("Deposit: %(deposit)s yuan, paid to the seller's account before qualification")
        % {"deposit": yuan(record.deposit)},
        _("Disclosure until %(until)s (Beijing time), %(days)d working days; buyers register until then")
        % {"until": local(record.disclosure_until), "days": param(tx, "disclosure_working_days")},
        _("One qualified buyer: negotiated transfer by rounds of sealed offers at no less than the listing price."),
    ]
    if record.method == CompetitionMethod.AUCTION:
        lines.append(_("Two or more qualified buyers: online ascending auction from the listing price, increment "
                       "%(increment)s yuan, reserve price %(reserve)s yuan, countdown %(minutes)d minutes restarting "
                       "on every accepted bid; bidders are shown by number only")
                     % {"increment": yuan(record.increment), "reserve": yuan(record.reserve_price),
                        "minutes": record.countdown_seconds // 60})
    else:
        lines.append(_("Two or more qualified buyers: sealed best offers; the highest at or above the reserve "
                       "price %(reserve)s yuan wins") % {"reserve": yuan(record.reserve_price)})
    lines.append(_("No qualified buyer: the asset is relisted as a new round (%(source)s).")
                 % {"source": source(tx, "relist_approval_below_share")})
    if conditions:
        lines.append(_("Conditions: %(text)s") % {"text": conditions})
    if change_reason:
        lines.insert(0, _("CHANGE: %(reason)s. The disclosure period restarts from this notice.")
                     % {"reason": change_reason})
    if tx.is_sandbox:
        lines.insert(0, _("SANDBOX: a demonstration; its periods are compressed %(factor)d times and it is not a "
                          "real procedure.") % {"factor": tx.time_factor})
    if tx.description:
        lines.insert(2, tx.description)
    return "\n".join(lines)
