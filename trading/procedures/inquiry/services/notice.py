"""The inquiry notice: the rule set put in force, the quote deadline checked against it, the
suppliers invited (from the performed draw, which binds, or named from the station's
active pool with a recorded reason), the round of sealed quotes with its opening key
split among three custodians, and the notice published with that key in it and the
procurement documents it refers to (the specification: name, size, SHA-256), which it
makes public."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from bidding import crypto
from bidding.models import AdmissionMethod, BidPolicy, Company, Draw, DrawPurpose
from bidding.selectors import active_supplier_entries
from bidding.services.custodians import opening_key_create
from bidding.services.draws import draw_selected_entries
from bidding.services.rounds import round_admit, round_open
from ledger.core.entry import format_ts
from trading import deadlines, rulesets
from trading.errors import InvalidInput, RuleViolation
from trading.models import NoticeKind, Role, User
from trading.selectors import documents_published_by
from trading.services.notices import notice_publish, official_language
from trading.services.transitions import transaction_transition
from trading.text import clean_id, clean_text, records_by_ids

from ..records import InvitationMethod
from .common import PROCEDURE, local, round_of, violation

# Real seconds after the deadline before the quotes close: time for quotes that arrived
# before it (their arrival is what counts) to be taken in (docs/clock.md).
QUOTE_CLOSE_GRACE_SECONDS = 3


def inquiry_issue_notice(*, code, user, deadline, price_composition, award_criterion, invitees=(),
                         use_supplier_draw=False, invitation_note="", supervisor=None, purchaser_rep=None,
                         expected_stage=None):
    price_composition = clean_text(price_composition, field=_("price composition"), max_length=2000, multiline=True)
    award_criterion = clean_text(award_criterion, field=_("award criterion"), max_length=2000, multiline=True)
    invitation_note = clean_text(invitation_note, field=_("why not the drawn suppliers"), max_length=2000,
                                 required=False, multiline=True)
    if not isinstance(deadline, datetime) or timezone.is_naive(deadline):
        raise InvalidInput(_("the quote deadline must be a date and time"), field="deadline")
    return transaction_transition(
        code=code, action="issue_notice", user=user, expected_stage=expected_stage, deadline=deadline,
        price_composition=price_composition, award_criterion=award_criterion, invitees=list(invitees),
        use_supplier_draw=use_supplier_draw, invitation_note=invitation_note, supervisor=supervisor,
        purchaser_rep=purchaser_rep,
    )


def supplier_draw(tx) -> Draw | None:
    return Draw.objects.filter(transaction_id=tx.pk, round=tx.round, purpose=DrawPurpose.SUPPLIERS).first()


def earliest_deadline(tx, issued):
    return deadlines.at_least_working_days(tx, issued, rulesets.param(tx.rule_set, "quote_period_working_days"))


def _invitees(tx, *, use_supplier_draw, invitees, invitation_note):
    """(companies, method, draw set aside): the performed draw binds unless the clerk gives
    a reason; named invitees come from the station's active supplier pool."""
    draw = supplier_draw(tx)
    performed = draw is not None and draw.performed_at is not None
    if use_supplier_draw:
        if not performed:
            raise RuleViolation(_("the supplier draw has not been performed yet: wait for the next checkpoint"),
                                rule="inquiry.supplier_draw")
        return [entry.company for entry in draw_selected_entries(draw)], InvitationMethod.DRAW, False
    if performed and not invitation_note:
        raise RuleViolation(
            _("a supplier draw was performed for this round: it binds. Invite the drawn suppliers, or give the "
              "reason for inviting others (recorded and shown to the supervisors) (%(source)s)")
            % {"source": rulesets.cited("财政部令第74号第十二条 / MOF Order No. 74 art. 12")}, rule="inquiry.draw_binds")
    companies = records_by_ids(Company.objects.all(), invitees, field=_("invited suppliers"))
    in_pool = {e.company_id for e in active_supplier_entries(tx.station)}
    outside = [c.name for c in companies if c.pk not in in_pool]
    if outside:
        raise RuleViolation(_("invited suppliers come from the station's active supplier pool; not in it: %(names)s")
                            % {"names": ", ".join(outside)}, rule="inquiry.invitees_from_pool")
    return companies, InvitationMethod.RECOMMENDATION, performed


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


def issue_notice(tx, *, user, now, deadline, price_composition, award_criterion, invitees=(), use_supplier_draw=False,
                 invitation_note="", supervisor=None, purchaser_rep=None) -> dict:
    """The move's body."""
    tx.rule_set = rulesets.in_force(tx.station, PROCEDURE)
    issued = now
    earliest = earliest_deadline(tx, issued)
    if deadline < earliest:
        period = rulesets.param(tx.rule_set, "quote_period_working_days")
        raise violation(
            tx, "quote_period_working_days",
            _("the quote deadline is at least %(n)d working days after the notice; earliest allowed: %(earliest)s"),
            "inquiry.quote_period", n=period, earliest=local(earliest))
    companies, method, draw_set_aside = _invitees(tx, use_supplier_draw=use_supplier_draw, invitees=invitees,
                                                  invitation_note=invitation_note)
    minimum = rulesets.param(tx.rule_set, "min_invitees")
    if len(companies) < minimum:
        raise violation(tx, "min_invitees", _("at least %(min)d qualified suppliers are invited (invited: %(count)d)"),
                        "inquiry.min_invitees", min=minimum, count=len(companies))
    custodians = _custodians(tx, user, supervisor, purchaser_rep)
    bid_round = round_open(transaction=tx, opens_at=issued, deadline=deadline, policy=BidPolicy.ONCE,
                           grace_seconds=QUOTE_CLOSE_GRACE_SECONDS)
    round_admit(bid_round=bid_round, companies=companies,
                method=AdmissionMethod.DRAW if method == InvitationMethod.DRAW else AdmissionMethod.RECOMMENDATION)
    opening_key = opening_key_create(bid_round=bid_round, custodians=custodians,
                                     k=rulesets.param(tx.rule_set, "custodians_k"), user=user)
    record = round_of(tx)
    record.price_composition, record.award_criterion = price_composition, award_criterion
    record.invitation_method, record.invitation_note = method, invitation_note
    record.notice_issued_at = issued
    record.terminated_by_rule = False
    record.save()
    public_key = bytes(opening_key.public_key).hex()
    with official_language():
        notice = notice_publish(
            tx, kind=NoticeKind.INQUIRY, user=user, now=now,
            title=_("Inquiry notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
            body=notice_text(tx, record, deadline=deadline, public_key=public_key),
            ledger_data={"opening_public_key": public_key, "invitation": method},
            documents=documents_published_by(tx, NoticeKind.INQUIRY),
        )
    data = {
        "round": tx.round,
        "rule_set": rulesets.ledger_reference(tx.rule_set),
        "quote_deadline": format_ts(deadline),
        "notice_sha256": notice.sha256,
        "invitation": method,
    }
    if draw_set_aside:
        data["draw_set_aside"] = True  # a warning sign for supervisors; the reason is on the record
    return data


def notice_text(tx, record, *, deadline, public_key) -> str:
    lines = [
        _("Transaction %(code)s: %(title)s") % {"code": tx.code, "title": tx.title},
        _("Purchaser: %(unit)s, through %(station)s") % {"unit": tx.unit, "station": tx.station},
        _("Procedure: inquiry-priced procurement (Government Procurement Law art. 40); round %(round)d")
        % {"round": tx.round},
        _("Budget: %(amount)s yuan") % {"amount": f"{tx.amount:,.2f}"},
        _("Price composition: %(text)s") % {"text": record.price_composition},
        _("Award criterion: %(text)s") % {"text": record.award_criterion},
        _("Quote deadline: %(deadline)s (Beijing time); the platform's clock decides")
        % {"deadline": local(deadline)},
        _("Suppliers invited by: %(method)s") % {"method": InvitationMethod(record.invitation_method).label},
        _("Each invited supplier gives one sealed quote, which it cannot change. Quotes are encrypted "
          "on submission and opened after the deadline by the custodians; the opening record is published."),
        _("Opening public key (X25519, %(suite)s): %(key)s") % {"suite": crypto.SUITE_NAME, "key": public_key},
    ]
    if tx.is_sandbox:
        lines.insert(0, _("SANDBOX: a demonstration; its periods are compressed %(factor)d times and it is not a "
                          "real procedure.") % {"factor": tx.time_factor})
    if tx.description:
        lines.insert(2 + tx.is_sandbox, tx.description)
    return "\n".join(lines)
