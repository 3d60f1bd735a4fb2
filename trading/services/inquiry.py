"""Services of the inquiry procedure (trading/procedures/inquiry.py has the stages).

Two kinds of function here:

* `inquiry_*`: what views and the API call. They clean the inputs, then perform the move
  with `transaction_transition`, which locks the row, checks role and stage, runs the
  move and records its ledger entry, all in one database transaction.
* `on_*`: the bodies of the django-fsm moves (called inside that transaction). They check
  the rules that need the move's inputs, do the work (panel, notice, invitations, opening
  key, closing, opening, award...) and return the extra `data` of the `transition` entry.

Every number comes from the rule set in force (trading/rulesets.py); every period in
working days from the holiday calendar (trading/workdays.py); every time from the
procedure's clock (trading/clock.py).
"""

import hashlib
from datetime import date, datetime, timedelta

from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.core.entry import format_ts
from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record

from .. import clock, rulesets, workdays
from ..errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from ..models import Notice, NoticeKind, Role, Stage, Transaction, User
from ..procedures.inquiry import InquiryDetails, InquiryStage
from ..text import clean_id, clean_text, records_by_ids
from .transitions import transaction_transition

PROCEDURE = "inquiry"


# --- small helpers ------------------------------------------------------------------------

def _rule_set(tx):
    return tx.rule_set or rulesets.in_force(tx.station, PROCEDURE)


def _param(tx, name):
    return rulesets.param(_rule_set(tx), name)


def _source(tx, name):
    return rulesets.source(_rule_set(tx), name)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _violation(tx, name, text, rule, **values):
    """A RuleViolation naming the rule, its parameter's source and what is needed."""
    message = _("%(text)s (%(source)s)") % {"text": text % values, "source": _source(tx, name)}
    return RuleViolation(message, rule=rule)


def details_of(tx) -> InquiryDetails:
    return InquiryDetails.objects.get_or_create(transaction_id=tx.pk)[0]


def publish_notice(tx, *, kind, title, body, user=None, addressee=None, now=None) -> Notice:
    """A notice of the transaction; a public one has its text's SHA-256 in the ledger."""
    body = clean_text(body, field=_("text"), max_length=20000, multiline=True)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    notice = Notice.objects.create(
        transaction=tx, round=tx.round, kind=kind, title=clean_text(title, field=_("title"), max_length=200),
        body=body, addressee=addressee, sha256=digest, published_at=now or clock.now(), published_by=user,
    )
    if addressee is None:
        ledger_record(
            kind="notice.published", subject=tx.code,
            actor=ledger_actor(Role.CLERK if user else "system", user.ledger_name() if user else "scheduler"),
            data={"kind": kind, "round": tx.round, "title": notice.title, "sha256": digest},
        )
    return notice


# --- inquiry group ---------------------------------------------------------------------------

@db_transaction.atomic
def inquiry_announce_expert_draw(*, code, user, count):
    """The clerk announces the draw of the group's experts (performed at the next checkpoint)."""
    from bidding.models import DrawPurpose
    from bidding.services.draws import draw_announce

    tx = _clerk_transaction(code, user, stages=[Stage.REGISTERED])
    count = _positive_int(count, _("number of experts"))
    return draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=count, user=user)


@db_transaction.atomic
def inquiry_announce_supplier_draw(*, code, user, count):
    """The clerk announces a draw of suppliers to invite (before issuing the notice)."""
    from bidding.models import DrawPurpose
    from bidding.services.draws import draw_announce

    tx = _clerk_transaction(code, user, stages=[InquiryStage.GROUP_FORMED])
    count = _positive_int(count, _("number of suppliers"))
    return draw_announce(transaction=tx, purpose=DrawPurpose.SUPPLIERS, count=count, user=user)


def inquiry_form_group(*, code, user, purchaser_reps=(), expected_stage=None):
    return transaction_transition(code=code, action="form_group", user=user, expected_stage=expected_stage,
                                  purchaser_reps=list(purchaser_reps))


def on_form_group(tx, *, now, user, purchaser_reps=(), **_ignored):
    from bidding.models import Draw, DrawPurpose, PanelMember, PanelRole
    from bidding.services.draws import draw_selected_entries

    draw = Draw.objects.filter(transaction=tx, round=tx.round, purpose=DrawPurpose.EXPERTS).first()
    if draw is None or not draw.performed_at:
        raise RuleViolation(
            _("the inquiry group's experts are drawn at random from the station's expert pool before the "
              "group is formed (%(source)s): announce the draw and wait for the next checkpoint")
            % {"source": _source(tx, "group_min_size")}, rule="inquiry.experts_drawn")
    experts = [entry.user for entry in draw_selected_entries(draw)]
    reps = records_by_ids(User.objects.all(), purchaser_reps, field=_("purchaser's representatives"))
    for rep in reps:
        if not rep.memberships.filter(role=Role.PURCHASER, unit_id=tx.unit_id).exists():
            raise InvalidInput(_("%(name)s does not represent %(unit)s") % {"name": rep.ledger_name(), "unit": tx.unit})
        if rep in experts:
            raise RuleViolation(_("a purchaser's representative cannot also sit as an expert"),
                                rule="inquiry.purchaser_not_expert")
    size = len(experts) + len(reps)
    minimum = _param(tx, "group_min_size")
    if size < minimum or size % 2 == 0:
        raise _violation(tx, "group_min_size",
                         _("the inquiry group has an odd number of members, at least %(min)d: it would have %(size)d"),
                         "inquiry.group_size", min=minimum, size=size)
    share = rulesets.fraction(_rule_set(tx), "expert_share")
    if len(experts) * share.denominator < share.numerator * size:
        raise _violation(tx, "expert_share",
                         _("experts are at least %(share)s of the inquiry group: %(experts)d of %(size)d"),
                         "inquiry.expert_share", share=f"{share.numerator}/{share.denominator}",
                         experts=len(experts), size=size)
    for entry in draw_selected_entries(draw):
        PanelMember.objects.create(transaction=tx, round=tx.round, user=entry.user, role=PanelRole.EXPERT,
                                   pool_entry=entry)
    for rep in reps:
        PanelMember.objects.create(transaction=tx, round=tx.round, user=rep, role=PanelRole.PURCHASER_REP)
    # Names stay secret until the result is published; the ledger gets the composition.
    return {"round": tx.round, "group_size": size, "experts": len(experts), "draw": draw.commitment}


# --- notice, invitations, opening key ---------------------------------------------------------

def inquiry_issue_notice(*, code, user, deadline, price_composition, award_criterion, invitees=(),
                         use_supplier_draw=False, supervisor=None, purchaser_rep=None, expected_stage=None):
    price_composition = clean_text(price_composition, field=_("price composition"), max_length=2000, multiline=True)
    award_criterion = clean_text(award_criterion, field=_("award criterion"), max_length=2000, multiline=True)
    if not isinstance(deadline, datetime) or timezone.is_naive(deadline):
        raise InvalidInput(_("the quote deadline must be a date and time"), field="deadline")
    return transaction_transition(
        code=code, action="issue_notice", user=user, expected_stage=expected_stage, deadline=deadline,
        price_composition=price_composition, award_criterion=award_criterion, invitees=list(invitees),
        use_supplier_draw=use_supplier_draw, supervisor=supervisor, purchaser_rep=purchaser_rep,
    )


def on_issue_notice(tx, *, now, user, deadline, price_composition, award_criterion, invitees=(),
                    use_supplier_draw=False, supervisor=None, purchaser_rep=None, **_ignored):
    from bidding.models import Company, Draw, DrawPurpose, InvitationMethod
    from bidding.services.draws import draw_selected_entries
    from bidding.services.sealed import invitations_create, opening_key_create

    rule_set = rulesets.in_force(tx.station, PROCEDURE)
    tx.rule_set = rule_set
    if tx.time_factor > 1 and tx.time_origin is None:
        tx.time_origin = clock.now()  # a sandbox's accelerated time starts with the first period
    issued = clock.procedure_now(tx)
    period = rulesets.param(rule_set, "quote_period_working_days")
    earliest = workdays.earliest_deadline(issued, period)
    if deadline < earliest:
        raise _violation(
            tx, "quote_period_working_days",
            _("the quote deadline is at least %(n)d working days after the notice; earliest allowed: %(earliest)s"),
            "inquiry.quote_period", n=period, earliest=_local(earliest))
    # Who is invited: drawn from the pool, or named (public notice answers, recommendations).
    if use_supplier_draw:
        draw = Draw.objects.filter(transaction=tx, round=tx.round, purpose=DrawPurpose.SUPPLIERS).first()
        if draw is None or not draw.performed_at:
            raise RuleViolation(_("the supplier draw has not been performed yet: wait for the next checkpoint"),
                                rule="inquiry.supplier_draw")
        companies = [entry.company for entry in draw_selected_entries(draw)]
        method = InvitationMethod.DRAW
    else:
        companies = records_by_ids(Company.objects.all(), invitees, field=_("invited suppliers"))
        method = InvitationMethod.RECOMMENDATION
    minimum = rulesets.param(rule_set, "min_invitees")
    if len(companies) < minimum:
        raise _violation(tx, "min_invitees",
                         _("at least %(min)d qualified suppliers are invited (invited: %(count)d)"),
                         "inquiry.min_invitees", min=minimum, count=len(companies))
    custodians = _custodians(tx, user, supervisor, purchaser_rep)
    invitations_create(transaction=tx, companies=companies, method=method)
    opening_key_create(transaction=tx, custodians=custodians, k=rulesets.param(rule_set, "custodians_k"), user=user)
    d = details_of(tx)
    d.round = tx.round
    d.price_composition, d.award_criterion, d.invitation_method = price_composition, award_criterion, method
    d.notice_issued_at, d.quoting_opens_at, d.quote_deadline = issued, issued, deadline
    d.terminated_by_rule = False
    d.save()
    notice = publish_notice(
        tx, kind=NoticeKind.INQUIRY, user=user, now=now,
        title=_("Inquiry notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
        body=_inquiry_notice_text(tx, d),
    )
    return {
        "round": tx.round,
        "rule_set": rulesets.ledger_reference(rule_set),
        "quote_deadline": format_ts(deadline),
        "notice_sha256": notice.sha256,
    }


def _custodians(tx, clerk, supervisor, purchaser_rep):
    """Clerk, supervisor, purchaser's representative: three roles, three people."""
    if not isinstance(supervisor, User) and supervisor not in (None, ""):
        supervisor = User.objects.filter(pk=clean_id(supervisor, field=_("supervisor custodian"))).first()
    if not isinstance(purchaser_rep, User) and purchaser_rep not in (None, ""):
        purchaser_rep = User.objects.filter(pk=clean_id(purchaser_rep, field=_("purchaser's representative custodian"))
                                            ).first()
    supervisor, rep = supervisor or None, purchaser_rep or None
    if supervisor is None or not supervisor.memberships.filter(role=Role.SUPERVISOR, station_id=tx.station_id).exists():
        raise InvalidInput(_("choose a supervisor of %(station)s as custodian") % {"station": tx.station},
                           field="supervisor")
    if rep is None or not rep.memberships.filter(role=Role.PURCHASER, unit_id=tx.unit_id).exists():
        raise InvalidInput(_("choose a representative of %(unit)s as custodian") % {"unit": tx.unit},
                           field="purchaser_rep")
    if len({clerk.pk, supervisor.pk, rep.pk}) != 3:
        raise RuleViolation(_("the opening key's custodians are three different people of different roles"),
                            rule="inquiry.custodians")
    return [(clerk, Role.CLERK), (supervisor, Role.SUPERVISOR), (rep, Role.PURCHASER)]


def _inquiry_notice_text(tx, d) -> str:
    lines = [
        _("Transaction %(code)s: %(title)s") % {"code": tx.code, "title": tx.title},
        _("Purchaser: %(unit)s, through %(station)s") % {"unit": tx.unit, "station": tx.station},
        _("Procedure: inquiry-priced procurement (Government Procurement Law art. 40); round %(round)d")
        % {"round": tx.round},
        _("Budget: %(amount)s yuan") % {"amount": f"{tx.amount:,.2f}"},
        _("Price composition: %(text)s") % {"text": d.price_composition},
        _("Award criterion: %(text)s") % {"text": d.award_criterion},
        _("Quote deadline: %(deadline)s (Beijing time); the platform's clock decides")
        % {"deadline": _local(d.quote_deadline)},
        _("Each invited supplier gives one sealed quote, which it cannot change. Quotes are encrypted "
          "on submission and opened after the deadline by the custodians; the opening record is published."),
    ]
    if tx.description:
        lines.insert(2, tx.description)
    return "\n".join(lines)


# --- deadline, closing, opening ---------------------------------------------------------------

def _quote_count(tx) -> int:
    from bidding.models import Quote

    return Quote.objects.filter(transaction=tx, round=tx.round).count()


def closing_action(tx) -> str:
    return "close_quotes" if _quote_count(tx) >= _param(tx, "min_quotes") else "fail_quotes"


def on_close_quotes(tx, *, now, **_ignored):
    from bidding.services.sealed import bids_close

    count = _quote_count(tx)
    minimum = _param(tx, "min_quotes")
    if count < minimum:
        raise _violation(tx, "min_quotes", _("at least %(min)d quotes are needed to go on (received: %(count)d)"),
                         "inquiry.min_quotes", min=minimum, count=count)
    commitments = bids_close(transaction=tx)
    return {"round": tx.round, "quotes": len(commitments), "deadline": format_ts(details_of(tx).quote_deadline)}


def on_fail_quotes(tx, *, now, **_ignored):
    from bidding.services.sealed import bids_close

    commitments = bids_close(transaction=tx)
    minimum = _param(tx, "min_quotes")
    if len(commitments) >= minimum:
        raise StageConflict(_("enough quotes arrived: the inquiry goes on"))
    reason = _("fewer than %(min)d quotes arrived by the deadline (received: %(count)d); %(source)s") % {
        "min": minimum, "count": len(commitments), "source": _source(tx, "min_quotes")}
    return _terminate_by_rule(tx, reason, now=now, quotes=len(commitments))


def _terminate_by_rule(tx, reason, *, now, user=None, **extra):
    tx.reason = reason
    d = details_of(tx)
    d.terminated_by_rule = True
    d.save(update_fields=["terminated_by_rule"])
    publish_notice(tx, kind=NoticeKind.TERMINATION, user=user, now=now,
                   title=_("Termination notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                   body=_("The inquiry %(code)s, round %(round)d, is terminated: %(reason)s. It may restart as a "
                          "new round.") % {"code": tx.code, "round": tx.round, "reason": reason})
    return {"round": tx.round, "reason": reason, **extra}


def inquiry_open_quotes(*, code, user, secrets, expected_stage=None):
    """The clerk opens the quotes with k custodians' passphrases: [(user, passphrase), ...]."""
    return transaction_transition(code=code, action="open_quotes", user=user, expected_stage=expected_stage,
                                  secrets=list(secrets))


def on_open_quotes(tx, *, now, user, secrets=(), **_ignored):
    from bidding.models import Draw, DrawPurpose, OpeningRecord
    from bidding.services.draws import draw_reveal
    from bidding.services.sealed import quotes_open

    procedure_time = clock.procedure_now(tx)
    if procedure_time < details_of(tx).quote_deadline:
        raise RuleViolation(_("quotes are opened only after the deadline (%(deadline)s)")
                            % {"deadline": _local(details_of(tx).quote_deadline)}, rule="inquiry.open_after_deadline")
    opening = quotes_open(transaction=tx, secrets=secrets, opened_by=user)
    draw = Draw.objects.filter(transaction=tx, round=tx.round, purpose=DrawPurpose.SUPPLIERS).first()
    if draw is not None and draw.performed_at and not draw.revealed_at:
        draw_reveal(draw=draw)  # invitees are no longer secret
    records = OpeningRecord.objects.filter(opening=opening)
    return {"round": tx.round, "opened": records.filter(outcome=OpeningRecord.OPENED).count(),
            "failed": records.filter(outcome=OpeningRecord.FAILED).count()}


# --- evaluation -------------------------------------------------------------------------------

def group_verdicts(tx):
    """Per opened quote: the group's verdict (majority of members), the within-budget flag and
    every member's assessment; in ascending price order."""
    from bidding.models import Assessment, OpeningRecord, PanelMember

    members = list(PanelMember.objects.filter(transaction=tx, round=tx.round).select_related("user"))
    records = list(OpeningRecord.objects.filter(opening__transaction=tx, opening__round=tx.round)
                   .select_related("quote__company").order_by("price", "quote__received_at"))
    assessments = {(a.member_id, a.quote_id): a for a in
                   Assessment.objects.filter(member__in=members)}
    rows = []
    for record in records:
        votes = [assessments.get((m.pk, record.quote_id)) for m in members]
        yes = sum(1 for v in votes if v is not None and v.responsive)
        decided = all(v is not None for v in votes)
        opened = record.outcome == OpeningRecord.OPENED
        rows.append({
            "record": record, "quote": record.quote, "company": record.quote.company, "price": record.price,
            "opened": opened, "votes": list(zip(members, votes, strict=True)),
            "decided": decided, "responsive": opened and decided and yes * 2 > len(members),
            "within_budget": opened and record.price is not None and record.price <= tx.amount,
        })
    return members, rows


def ranking(tx):
    """Responsive quotes within budget, ascending price (ties: earlier receipt first)."""
    _members, rows = group_verdicts(tx)
    ranked = [r for r in rows if r["responsive"] and r["within_budget"]]
    ranked.sort(key=lambda r: (r["price"], r["quote"].received_at))
    return ranked


def on_complete_evaluation(tx, *, now, user, **_ignored):
    from bidding.models import Award

    members, rows = group_verdicts(tx)
    unsigned = [m.user.ledger_name() for m in members if m.signed_at is None]
    undecided = [r for r in rows if r["opened"] and not r["decided"]]
    if undecided or unsigned:
        raise RuleViolation(
            _("the group's report is complete when every member has assessed every opened quote and signed "
              "(政府采购法第四十条; 财政部令第74号): %(missing)d assessments missing, not signed by: %(names)s")
            % {"missing": sum(1 for r in undecided for _m, v in r["votes"] if v is None),
               "names": ", ".join(unsigned) or "—"}, rule="inquiry.report_signed")
    ranked = ranking(tx)
    minimum = _param(tx, "min_responsive")
    if len(ranked) < minimum:
        raise _violation(tx, "min_responsive",
                         _("at least %(min)d responsive quotes within budget are needed for an award "
                           "(there are %(count)d): terminate the round instead"),
                         "inquiry.min_responsive", min=minimum, count=len(ranked))
    procedure_time = clock.procedure_now(tx)
    winner = ranked[0]
    Award.objects.update_or_create(transaction=tx, round=tx.round, defaults={
        "quote": winner["quote"], "price": winner["price"], "computed_at": now,
        "ranking": [{"rank": i + 1, "company": r["company"].name, "uscc": r["company"].uscc,
                     "price": f"{r['price']:.2f}", "commitment": r["quote"].commitment}
                    for i, r in enumerate(ranked)],
    })
    d = details_of(tx)
    d.evaluated_at = procedure_time
    d.confirm_by = workdays.working_days_deadline(procedure_time, _param(tx, "confirm_working_days"))
    d.save()
    report = _report_digest(tx, members, rows)
    return {"round": tx.round, "responsive_within_budget": len(ranked),
            "report_sha256": report, "confirm_by": format_ts(d.confirm_by)}


def _report_digest(tx, members, rows) -> str:
    lines = [f"{tx.code} round {tx.round}"]
    for row in rows:
        for member, vote in row["votes"]:
            lines.append(f"{row['quote'].commitment} {member.pk} {vote.responsive} {vote.reason}")
    for member in members:
        lines.append(f"{member.pk} signed {member.signed_at.isoformat()} dissent {member.dissent}")
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def on_fail_evaluation(tx, *, now, user, **_ignored):
    members, rows = group_verdicts(tx)
    if any(m.signed_at is None for m in members):
        raise RuleViolation(_("the group signs its report before the round can end for lack of responsive quotes"),
                            rule="inquiry.report_signed")
    ranked = ranking(tx)
    minimum = _param(tx, "min_responsive")
    if len(ranked) >= minimum:
        raise StageConflict(_("there are %(count)d responsive quotes within budget: complete the evaluation")
                            % {"count": len(ranked)})
    reason = _("fewer than %(min)d responsive quotes within budget (there are %(count)d); %(source)s") % {
        "min": minimum, "count": len(ranked), "source": _source(tx, "min_responsive")}
    return _terminate_by_rule(tx, reason, now=now, user=user, responsive_within_budget=len(ranked))


@db_transaction.atomic
def assessment_record(*, code, user, commitment, responsive, reason):
    """A member of the group marks one opened quote responsive or not, with a reason."""
    from bidding.models import Assessment, OpeningRecord, PanelMember

    tx = _locked(code)
    if tx.stage != InquiryStage.OPENED:
        raise StageConflict(_("quotes are assessed after the opening and before the evaluation is complete"))
    member = PanelMember.objects.filter(transaction=tx, round=tx.round, user=user).first()
    if member is None:
        raise NotPermitted(_("only members of this inquiry group assess its quotes"))
    if member.signed_at is not None:
        raise StageConflict(_("you have signed the report; your assessments are final"))
    record = OpeningRecord.objects.filter(opening__transaction=tx, opening__round=tx.round,
                                          quote__commitment=commitment).select_related("quote").first()
    if record is None:
        raise InvalidInput(_("no opened quote with this commitment"), field="commitment")
    if record.outcome != OpeningRecord.OPENED:
        raise RuleViolation(_("an envelope that did not decrypt is not assessed: it has no quote"),
                            rule="inquiry.assess_opened")
    reason = clean_text(reason, field=_("reason"), max_length=2000, multiline=True)
    Assessment.objects.update_or_create(member=member, quote=record.quote,
                                        defaults={"responsive": bool(responsive), "reason": reason})


@db_transaction.atomic
def report_sign(*, code, user, dissent=""):
    from bidding.models import PanelMember

    tx = _locked(code)
    if tx.stage != InquiryStage.OPENED:
        raise StageConflict(_("the report is signed after the opening and before the evaluation is complete"))
    member = PanelMember.objects.filter(transaction=tx, round=tx.round, user=user).first()
    if member is None:
        raise NotPermitted(_("only members of this inquiry group sign its report"))
    _members, rows = group_verdicts(tx)
    missing = [r for r in rows if r["opened"] and dict((m.pk, v) for m, v in r["votes"]).get(member.pk) is None]
    if missing:
        raise RuleViolation(_("assess every opened quote before signing (%(count)d left)") % {"count": len(missing)},
                            rule="inquiry.assess_all")
    member.dissent = clean_text(dissent, field=_("dissent"), max_length=5000, required=False, multiline=True)
    member.signed_at = clock.now()
    member.save(update_fields=["dissent", "signed_at"])
    return member


# --- award, result ------------------------------------------------------------------------------

def on_confirm_award(tx, *, now, user=None, silence=False, **_ignored):
    from bidding.models import Award

    award = Award.objects.get(transaction=tx, round=tx.round)
    procedure_time = clock.procedure_now(tx)
    d = details_of(tx)
    if silence and procedure_time < d.confirm_by:
        raise RuleViolation(_("silence confirms the award only after %(date)s") % {"date": _local(d.confirm_by)},
                            rule="inquiry.silence")
    award.confirmed_at = now
    award.confirmed_by = None if silence else user
    award.confirmed_by_silence = silence
    award.save()
    d.awarded_at = procedure_time
    d.result_due_by = workdays.working_days_deadline(procedure_time, _param(tx, "result_publish_working_days"))
    d.save()
    return {"round": tx.round, "by_silence": silence, "supplier": award.quote.company.name,
            "uscc": award.quote.company.uscc, "price": f"{award.price:.2f}",
            "result_due_by": format_ts(d.result_due_by)}


def on_publish_result(tx, *, now, user, **_ignored):
    from bidding.models import Award, Draw, DrawPurpose, Invitation, PanelMember
    from bidding.services.draws import draw_reveal

    award = Award.objects.select_related("quote__company").get(transaction=tx, round=tx.round)
    procedure_time = clock.procedure_now(tx)
    d = details_of(tx)
    late = procedure_time > d.result_due_by
    members = PanelMember.objects.filter(transaction=tx, round=tx.round).select_related("user")
    _m, rows = group_verdicts(tx)
    d.result_published_at = procedure_time
    d.challenge_until = workdays.working_days_deadline(procedure_time, _param(tx, "challenge_working_days"))
    d.contract_due_by = procedure_time + timedelta(days=_param(tx, "contract_days"))
    d.save()
    notice = publish_notice(tx, kind=NoticeKind.RESULT, user=user, now=now,
                            title=_("Result notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                            body=_result_text(tx, d, award, members, rows))
    winner = award.quote.company
    for invitation in Invitation.objects.filter(transaction=tx, round=tx.round).select_related("company"):
        company = invitation.company
        if company == winner:
            publish_notice(tx, kind=NoticeKind.AWARD, user=user, now=now, addressee=company,
                           title=_("Award notice (成交通知书): %(code)s") % {"code": tx.code},
                           body=_("%(company)s is awarded %(code)s %(title)s at %(price)s yuan. The contract is "
                                  "signed within %(days)d days.")
                           % {"company": company.name, "code": tx.code, "title": tx.title,
                              "price": f"{award.price:,.2f}", "days": _param(tx, "contract_days")})
        else:
            publish_notice(tx, kind=NoticeKind.OUTCOME, user=user, now=now, addressee=company,
                           title=_("Result of %(code)s") % {"code": tx.code},
                           body=_("%(company)s is not awarded %(code)s. The award went to %(winner)s at %(price)s "
                                  "yuan. A challenge may be filed until %(until)s.")
                           % {"company": company.name, "code": tx.code, "winner": winner.name,
                              "price": f"{award.price:,.2f}", "until": _local(d.challenge_until)})
    draw = Draw.objects.filter(transaction=tx, round=tx.round, purpose=DrawPurpose.EXPERTS).first()
    if draw is not None and not draw.revealed_at:
        draw_reveal(draw=draw)  # the group list is public with the result
    data = {"round": tx.round, "result_sha256": notice.sha256, "supplier": winner.name, "uscc": winner.uscc,
            "price": f"{award.price:.2f}", "group": [{"name": m.user.ledger_name(), "role": m.role} for m in members],
            "challenge_until": format_ts(d.challenge_until), "contract_due_by": format_ts(d.contract_due_by)}
    if late:
        data["late"] = True  # a warning sign for supervisors: published after the rule's period
    return data


def _result_text(tx, d, award, members, rows) -> str:
    inquiry_notice = Notice.objects.filter(transaction=tx, round=tx.round, kind=NoticeKind.INQUIRY,
                                           addressee__isnull=True).order_by("-published_at").first()
    lines = [
        _("Transaction %(code)s: %(title)s, round %(round)d") % {"code": tx.code, "title": tx.title, "round": tx.round},
        _("Inquiry notice issued %(date)s; quote deadline %(deadline)s")
        % {"date": _local(d.notice_issued_at), "deadline": _local(d.quote_deadline)},
    ]
    if inquiry_notice is not None:
        lines += [_("The inquiry notice (SHA-256 %(sha)s):") % {"sha": inquiry_notice.sha256},
                  *("  " + line for line in inquiry_notice.body.splitlines())]
    lines += [
        _("Supplier awarded: %(company)s (%(uscc)s), price %(price)s yuan")
        % {"company": award.quote.company.name, "uscc": award.quote.company.uscc, "price": f"{award.price:,.2f}"},
        _("Award rule: the lowest-priced responsive quote within the budget (%(budget)s yuan)")
        % {"budget": f"{tx.amount:,.2f}"},
        _("Inquiry group:"),
    ]
    lines += [f"  {m.user.ledger_name()} ({m.get_role_display()})" for m in members]
    lines.append(_("Quotes:"))
    for row in rows:
        if not row["opened"]:
            verdict = _("did not decrypt: %(reason)s") % {"reason": row["record"].reason}
        elif row["responsive"] and row["within_budget"]:
            verdict = _("responsive")
        elif row["responsive"]:
            verdict = _("responsive, above budget")
        else:
            reasons = "; ".join(v.reason for _m, v in row["votes"] if v is not None and not v.responsive)
            verdict = _("not responsive: %(reasons)s") % {"reasons": reasons}
        price = f"{row['price']:,.2f}" if row["price"] is not None else "—"
        lines.append(f"  {row['company'].name} ({row['company'].uscc}) {price} — {verdict}")
    lines.append(_("Challenges may be filed in writing until %(until)s (Government Procurement Law art. 52).")
                 % {"until": _local(d.challenge_until)})
    return "\n".join(lines)


# --- challenges, contract ----------------------------------------------------------------------

def open_challenges(tx):
    from bidding.models import Challenge

    return Challenge.objects.filter(transaction=tx, round=tx.round, answered_at__isnull=True)


@db_transaction.atomic
def challenge_file(*, code, user, company, text):
    """A supplier that took part challenges the result within the challenge period.
    `company`: the Company, or its record number as a form or API client posts it."""
    from bidding.models import Challenge, Company, Invitation

    if not isinstance(company, Company):
        company = user.companies.filter(pk=clean_id(company, field=_("supplier"))).first()
        if company is None:
            raise InvalidInput(_("choose the supplier you represent"), field="company")
    tx = _locked(code)
    if tx.stage != InquiryStage.RESULT_PUBLISHED:
        raise StageConflict(_("a challenge is filed while the result's challenge period runs"))
    d = details_of(tx)
    if clock.procedure_now(tx) >= d.challenge_until:
        raise _violation(tx, "challenge_working_days", _("the challenge period ended at %(until)s"),
                         "inquiry.challenge_period", until=_local(d.challenge_until))
    if not company.representatives.filter(pk=user.pk).exists():
        raise NotPermitted(_("you do not represent %(company)s") % {"company": company})
    if not Invitation.objects.filter(transaction=tx, round=tx.round, company=company).exists():
        raise NotPermitted(_("only suppliers invited to this inquiry may challenge its result"))
    text = clean_text(text, field=_("challenge"), max_length=10000, multiline=True)
    with db_transaction.atomic():
        challenge = Challenge.objects.create(transaction=tx, round=tx.round, company=company, text=text,
                                             filed_at=clock.now(), filed_by=user)
        ledger_record(kind="challenge.filed", subject=tx.code, actor=ledger_actor(Role.BIDDER, user.ledger_name()),
                      data={"round": tx.round, "challenge": challenge.pk, "supplier": company.name,
                            "uscc": company.uscc, "text_sha256": hashlib.sha256(text.encode()).hexdigest()})
        _refresh_next_check(tx)
    return challenge


@db_transaction.atomic
def challenge_answer(*, code, user, challenge_id, answer):
    from bidding.models import Challenge

    tx = _clerk_transaction(code, user, stages=[InquiryStage.RESULT_PUBLISHED])
    challenge = Challenge.objects.filter(pk=clean_id(challenge_id, field=_("challenge")), transaction=tx).first()
    if challenge is None:
        raise InvalidInput(_("no such challenge"), field="challenge")
    if challenge.answered_at:
        raise StageConflict(_("this challenge has been answered already"))
    answer = clean_text(answer, field=_("answer"), max_length=10000, multiline=True)
    with db_transaction.atomic():
        challenge.answer, challenge.answered_at, challenge.answered_by = answer, clock.now(), user
        challenge.save()
        notice = publish_notice(tx, kind=NoticeKind.CHALLENGE_ANSWER, user=user,
                                title=_("Answer to a challenge on %(code)s") % {"code": tx.code},
                                body=_("Challenge by %(company)s:\n%(text)s\n\nAnswer:\n%(answer)s")
                                % {"company": challenge.company.name, "text": challenge.text, "answer": answer})
        ledger_record(kind="challenge.answered", subject=tx.code, actor=ledger_actor(Role.CLERK, user.ledger_name()),
                      data={"round": tx.round, "challenge": challenge.pk, "answer_sha256": notice.sha256})
        _refresh_next_check(tx)
    return challenge


def on_close_challenges(tx, *, now, **_ignored):
    d = details_of(tx)
    if clock.procedure_now(tx) < d.challenge_until:
        raise RuleViolation(_("the challenge period runs until %(until)s") % {"until": _local(d.challenge_until)},
                            rule="inquiry.challenge_period")
    if open_challenges(tx).exists():
        raise RuleViolation(_("a challenge waits for its answer: the contract step is suspended until then"),
                            rule="inquiry.challenge_open")
    return {"round": tx.round}


def inquiry_record_contract(*, code, user, amount, signed_on, upload, expected_stage=None):
    from ..money import parse_yuan

    amount = parse_yuan(amount, field=_("contract amount"))
    if upload is None:
        raise InvalidInput(_("attach the signed contract"), field="file")
    return transaction_transition(code=code, action="record_contract", user=user, expected_stage=expected_stage,
                                  amount=amount, signed_on=signed_on, upload=upload)


def on_record_contract(tx, *, now, user, amount, signed_on, upload, **_ignored):
    from bidding.models import Award, Contract

    from .transactions import store_document

    award = Award.objects.select_related("quote__company").get(transaction=tx, round=tx.round)
    if amount != award.price:
        raise RuleViolation(_("the contract amount is the awarded price (%(price)s yuan); given %(amount)s")
                            % {"price": f"{award.price:,.2f}", "amount": f"{amount:,.2f}"},
                            rule="inquiry.contract_amount")
    d = details_of(tx)
    today = timezone.localtime(clock.procedure_now(tx)).date()
    if signed_on > today:
        raise InvalidInput(_("the signing date cannot be in the future"), field="signed_on")
    if signed_on < timezone.localtime(d.awarded_at).date():
        raise InvalidInput(_("the contract cannot be signed before the award"), field="signed_on")
    document = store_document(transaction=tx, user=user, upload=upload, purpose="other", role=Role.PURCHASER)
    Contract.objects.create(transaction=tx, award=award, company=award.quote.company, amount=amount,
                            signed_on=signed_on, document_sha256=document.sha256, document_name=document.name,
                            recorded_at=now, recorded_by=user)
    late = signed_on > timezone.localtime(d.contract_due_by).date()
    publish_notice(tx, kind=NoticeKind.CONTRACT, user=None, now=now,
                   title=_("Contract notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                   body=_("Contract for %(code)s %(title)s signed on %(date)s between %(unit)s and %(company)s "
                          "(%(uscc)s) for %(amount)s yuan. Contract document SHA-256: %(sha)s")
                   % {"code": tx.code, "title": tx.title, "date": signed_on.isoformat(), "unit": tx.unit,
                      "company": award.quote.company.name, "uscc": award.quote.company.uscc,
                      "amount": f"{amount:,.2f}", "sha": document.sha256})
    data = {"round": tx.round, "supplier": award.quote.company.name, "amount": f"{amount:.2f}",
            "signed_on": signed_on.isoformat(), "document_sha256": document.sha256}
    if late:
        data["late"] = True
    return data


def inquiry_record_acceptance(*, code, user, accepted_on, passed, remarks, upload, expected_stage=None):
    """The purchaser records the performance check (履约验收): date, conclusion, remarks and
    the signed acceptance report; then the clerk may archive."""
    if passed not in (True, False):
        raise InvalidInput(_("say whether the acceptance passed"), field="passed")
    if isinstance(accepted_on, datetime) or not isinstance(accepted_on, date):
        raise InvalidInput(_("the acceptance date: give a date like 2026-12-20"), field="accepted_on")
    remarks = clean_text(remarks, field=_("acceptance remarks"), max_length=4000, multiline=True, required=not passed)
    if upload is None:
        raise InvalidInput(_("attach the signed acceptance report"), field="file")
    return transaction_transition(code=code, action="record_acceptance", user=user, expected_stage=expected_stage,
                                  accepted_on=accepted_on, passed=passed, remarks=remarks, upload=upload)


def on_record_acceptance(tx, *, now, user, accepted_on, passed, remarks, upload, **_ignored):
    from bidding.models import Contract

    from .transactions import store_document

    contract = Contract.objects.filter(transaction=tx).order_by("-recorded_at").first()
    today = timezone.localtime(clock.procedure_now(tx)).date()
    if accepted_on > today:
        raise InvalidInput(_("the acceptance date cannot be in the future"), field="accepted_on")
    if contract and accepted_on < contract.signed_on:
        raise InvalidInput(_("the acceptance cannot come before the contract was signed (%(date)s)")
                           % {"date": contract.signed_on.isoformat()}, field="accepted_on")
    document = store_document(transaction=tx, user=user, upload=upload, purpose="other", role=Role.PURCHASER)
    InquiryDetails.objects.filter(transaction=tx).update(
        accepted_on=accepted_on, acceptance_passed=passed, acceptance_remarks=remarks,
        acceptance_sha256=document.sha256)
    # The remarks may speak of people: the ledger holds their digest, the report's digest and the outcome.
    return {"round": tx.round, "accepted_on": accepted_on.isoformat(), "passed": passed,
            "document_sha256": document.sha256, "remarks_sha256": hashlib.sha256(remarks.encode()).hexdigest()}


def on_restart(tx, *, now, user, **_ignored):
    d = details_of(tx)
    if not d.terminated_by_rule:
        raise RuleViolation(_("only a round ended by the quote rules restarts; a termination for other reasons "
                              "ends the transaction"), rule="inquiry.restart")
    tx.round += 1
    tx.reason = ""
    InquiryDetails.objects.filter(pk=d.pk).update(
        round=tx.round, notice_issued_at=None, quoting_opens_at=None, quote_deadline=None, evaluated_at=None,
        confirm_by=None, awarded_at=None, result_due_by=None, result_published_at=None, challenge_until=None,
        contract_due_by=None, accepted_on=None, acceptance_passed=None, acceptance_remarks="", acceptance_sha256="",
        terminated_by_rule=False)
    return {"round": tx.round}


# --- plumbing -----------------------------------------------------------------------------------

def _locked(code):
    tx = Transaction.objects.select_for_update().filter(code=code).first()
    if tx is None:
        raise InvalidInput(_("no transaction with code %(code)s") % {"code": code})
    if tx.type != PROCEDURE:
        raise InvalidInput(_("%(code)s is not an inquiry") % {"code": code})
    return tx.as_procedure()


def _clerk_transaction(code, user, *, stages):
    tx = _locked(code)
    if not user.memberships.filter(role=Role.CLERK, station_id=tx.station_id).exists():
        raise NotPermitted(_("this is done by a clerk of %(station)s") % {"station": tx.station})
    if tx.stage not in stages:
        raise StageConflict(_("%(code)s is at stage “%(stage)s”, where this is not possible")
                            % {"code": code, "stage": tx.stage_label()}, stage=tx.stage)
    return tx


def _positive_int(value, field):
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise InvalidInput(_("%(field)s must be a whole number") % {"field": field})
    number = int(text) if len(text) <= 6 else 10**6
    if number < 1 or number > 99:
        raise InvalidInput(_("%(field)s must be between 1 and 99") % {"field": field})
    return number


def _refresh_next_check(tx):
    from .ticks import next_check_of

    Transaction.objects.filter(pk=tx.pk).update(next_check=next_check_of(tx))

