"""The award and the result: the purchaser confirms the rule's result within 5 working days
(silence confirms it), the clerk publishes the result with the inquiry notice and the
group list, every invited supplier receives its letter, and the group's names and the
draws become public."""

from django.utils.translation import gettext as _

from bidding.models import Admission, Award, Draw, DrawPurpose
from bidding.services.draws import draw_reveal
from bidding.services.openings import reason_label
from ledger.core.entry import format_ts
from trading import deadlines
from trading.models import Milestone, NoticeKind
from trading.services.milestones import milestone_reach
from trading.services.notices import latest_public_notice, notice_publish, official_language

from .common import bid_round_of, local, param, round_of
from .evaluation import verdicts


def confirm_award(tx, *, now, user=None, silence=False) -> dict:
    award = Award.objects.select_related("bid").get(transaction_id=tx.pk, round=tx.round)
    award.confirmed_at = now
    award.confirmed_by = None if silence else user
    award.confirmed_by_silence = silence
    award.save()
    record = round_of(tx)
    record.awarded_at = now
    record.result_due_by = deadlines.within_working_days(tx, now, param(tx, "result_publish_working_days"))
    record.save()
    milestone_reach(tx, Milestone.AWARDED, at=now)
    return {"round": tx.round, "by_silence": silence, "supplier": award.bid.bidder_name,
            "uscc": award.bid.bidder_uscc, "price": f"{award.price:.2f}",
            "result_due_by": format_ts(record.result_due_by)}


def publish_result(tx, *, now, user) -> dict:
    award = Award.objects.select_related("bid__company").get(transaction_id=tx.pk, round=tx.round)
    record = round_of(tx)
    late = now > record.result_due_by
    members, rows = verdicts(tx)
    record.result_published_at = now
    record.challenge_until = deadlines.within_working_days(tx, now, param(tx, "challenge_working_days"))
    record.contract_due_by = deadlines.within_days(tx, now, param(tx, "contract_days"))
    record.save()
    milestone_reach(tx, Milestone.RESULT_PUBLISHED, at=now)
    with official_language():
        notice = notice_publish(tx, kind=NoticeKind.RESULT, user=user, now=now,
                                title=_("Result notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                                body=result_text(tx, record, award, members, rows))
    winner = award.bid.company
    for admission in Admission.objects.filter(bid_round=bid_round_of(tx)).select_related("company"):
        company = admission.company
        if company == winner:
            with official_language():
                notice_publish(tx, kind=NoticeKind.AWARD, user=user, now=now, addressee=company,
                               title=_("Award notice (成交通知书): %(code)s") % {"code": tx.code},
                               body=_("%(company)s is awarded %(code)s %(title)s at %(price)s yuan. The contract is "
                                      "signed within %(days)d days.")
                               % {"company": company.name, "code": tx.code, "title": tx.title,
                                  "price": f"{award.price:,.2f}", "days": param(tx, "contract_days")})
        else:
            with official_language():
                notice_publish(tx, kind=NoticeKind.OUTCOME, user=user, now=now, addressee=company,
                               title=_("Result of %(code)s") % {"code": tx.code},
                               body=_("%(company)s is not awarded %(code)s. The award went to %(winner)s at %(price)s "
                                      "yuan. A challenge may be filed until %(until)s.")
                               % {"company": company.name, "code": tx.code, "winner": award.bid.bidder_name,
                                  "price": f"{award.price:,.2f}", "until": local(record.challenge_until)})
    draw = Draw.objects.filter(transaction_id=tx.pk, round=tx.round, purpose=DrawPurpose.EXPERTS).first()
    if draw is not None and not draw.revealed_at:
        draw_reveal(draw=draw)  # the group list is public with the result
    data = {"round": tx.round, "result_sha256": notice.sha256, "supplier": award.bid.bidder_name,
            "uscc": award.bid.bidder_uscc, "price": f"{award.price:.2f}",
            "group": [{"name": m.user.ledger_name(), "role": m.role} for m in members],
            "challenge_until": format_ts(record.challenge_until), "contract_due_by": format_ts(record.contract_due_by)}
    if late:
        data["late"] = True  # a warning sign for supervisors: published after the rule's period
    return data


def result_text(tx, record, award, members, rows) -> str:
    inquiry_notice = latest_public_notice(tx, NoticeKind.INQUIRY)
    lines = [
        _("Transaction %(code)s: %(title)s, round %(round)d") % {"code": tx.code, "title": tx.title, "round": tx.round},
        _("Inquiry notice issued %(date)s; quote deadline %(deadline)s")
        % {"date": local(record.notice_issued_at), "deadline": local(bid_round_of(tx).deadline)},
    ]
    if inquiry_notice is not None:
        lines += [_("The inquiry notice (SHA-256 %(sha)s):") % {"sha": inquiry_notice.sha256},
                  *("  " + line for line in inquiry_notice.body.splitlines())]
    lines += [
        _("Supplier awarded: %(company)s (%(uscc)s), price %(price)s yuan")
        % {"company": award.bid.bidder_name, "uscc": award.bid.bidder_uscc, "price": f"{award.price:,.2f}"},
        _("Award rule: the lowest-priced responsive quote within the budget (%(budget)s yuan)")
        % {"budget": f"{tx.amount:,.2f}"},
        _("Inquiry group:"),
    ]
    lines += [f"  {m.user.ledger_name()} ({m.get_role_display()})" for m in members]
    lines.append(_("Quotes:"))
    for row in rows:
        if not row["opened"]:
            verdict = _("did not decrypt, not responsive: %(reason)s") % {"reason": reason_label(row["record"].reason)}
        elif row["responsive"] and row["within_budget"]:
            verdict = _("responsive")
        elif row["responsive"]:
            verdict = _("responsive, above budget")
        else:
            reasons = "; ".join(v.reason for _m, v in row["votes"] if v is not None and not v.responsive)
            verdict = _("not responsive: %(reasons)s") % {"reasons": reasons}
        price = f"{row['price']:,.2f}" if row["price"] is not None else "—"
        lines.append(f"  {row['name']} ({row['uscc']}) {price} — {verdict}")
    lines.append(_("Challenges may be filed in writing until %(until)s (Government Procurement Law art. 52).")
                 % {"until": local(record.challenge_until)})
    return "\n".join(lines)
