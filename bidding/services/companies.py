"""Suppliers and the station's pools: a bidder registers its company (统一社会信用代码
checked by its GB 32100-2015 check character); station staff put companies in the
supplier pool and experts in the expert pool, under public numbers S-0001 and E-0001 per
station that draws use; experts declare conflicts of interest for recusal.

A company's registration and every later change to it, to its representatives or to its
standing in a station's supplier pool (added, switched on or off, with the reason: the
pool is what supplier draws and named invitations come from) is ledgered
(`company.changed`, by field name, account number and pool number, no personal data), and
its credit code and name are frozen while it has a sealed offer not yet opened. The expert
pool is reference data kept in the admin (what a draw makes of it is ledgered:
bidding/services/draws.py).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation
from trading.models import Role, Station
from trading.services.people import person_subject
from trading.text import clean_text

from .. import selectors
from ..models import Bid, BidStatus, Company, Conflict, ExpertPoolEntry, Opening, SupplierPoolEntry
from ..models.companies import Representation
from ..selectors_sealed import ENDED_STAGES
from ..uscc import UsccError, uscc_check

SUPPLIER_PREFIX = "S"
EXPERT_PREFIX = "E"
_PHONE_CHARS = re.compile(r"\+?[0-9 \-]+")
_NUMBER_ATTEMPTS = 5


def _clean(value, *, key: str, label: str, max_length: int, required: bool = True) -> str:
    """clean_text, with the error naming the input field by its key (forms and API)."""
    try:
        return clean_text(value, field=label, max_length=max_length, required=required)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=key) from None


def clean_uscc(value) -> str:
    try:
        return uscc_check(value)
    except UsccError as exc:
        raise InvalidInput(exc.message, field="uscc") from None


def clean_phone(value) -> str:
    phone = _clean(value, key="contact_phone", label=_("contact phone"), max_length=32)
    phone = unicodedata.normalize("NFKC", phone)  # full-width digits from an input method
    digits = sum(ch.isdigit() for ch in phone)
    if not _PHONE_CHARS.fullmatch(phone) or not 7 <= digits <= 20:
        raise InvalidInput(
            _("contact phone: 7 to 20 digits, with spaces or hyphens if you like and “+” only in front "
              "(e.g. 0591-87654321 or 13800000000); given “%(phone)s”") % {"phone": phone},
            field="contact_phone")
    return phone


def clean_email(value) -> str:
    email = _clean(value, key="contact_email", label=_("contact e-mail"), max_length=254, required=False)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(_("contact e-mail: “%(email)s” is not an e-mail address (name@example.cn)")
                               % {"email": email}, field="contact_email") from None
    return email


def company_fields_clean(*, uscc, name, contact_name, contact_phone, contact_email="", address="") -> dict:
    """The registration fields, checked and normalised (NFC, trimmed); InvalidInput names the field."""
    return {
        "uscc": clean_uscc(uscc),
        "name": _clean(name, key="name", label=_("company name"), max_length=200),
        "contact_name": _clean(contact_name, key="contact_name", label=_("contact person"), max_length=64),
        "contact_phone": clean_phone(contact_phone),
        "contact_email": clean_email(contact_email),
        "address": _clean(address, key="address", label=_("address"), max_length=200, required=False),
    }


def _already_registered(uscc: str) -> InvalidInput:
    existing = selectors.company_by_uscc(uscc)
    return InvalidInput(
        _("the unified social credit code %(uscc)s is already registered (%(name)s): a company registers "
          "once; the station adds further representatives to it: ask the station")
        % {"uscc": uscc, "name": existing.name if existing else ""},
        field="uscc")


def company_register(*, user, uscc, name, contact_name, contact_phone, contact_email="", address="") -> Company:
    """A bidder registers its company and becomes its representative."""
    if not selectors.is_bidder(user):
        raise NotPermitted(_("a company is registered by a user who holds the bidder role at a station"))
    fields = company_fields_clean(uscc=uscc, name=name, contact_name=contact_name, contact_phone=contact_phone,
                                  contact_email=contact_email, address=address)
    if selectors.company_by_uscc(fields["uscc"]) is not None:
        raise _already_registered(fields["uscc"])
    try:
        with db_transaction.atomic():
            company = Company.objects.create(**fields)
            Representation.objects.create(company=company, user=user, since=clock.now())
            ledger_record(kind="company.changed", subject=company_subject(company),
                          actor=ledger_actor(Role.BIDDER, user.ledger_name()),
                          data={"registered": True})
    except IntegrityError:  # registered at the same moment by someone else
        raise _already_registered(fields["uscc"]) from None
    return company


# --- pools ----------------------------------------------------------------------------------

def _next_number(model, station: Station, prefix: str) -> str:
    numbers = model.objects.filter(station=station, number__startswith=f"{prefix}-").values_list("number", flat=True)
    last = max((int(n[len(prefix) + 1:]) for n in numbers if n[len(prefix) + 1:].isdigit()), default=0)
    return f"{prefix}-{last + 1:04d}"


def _add_numbered(model, *, station: Station, prefix: str, **fields):
    """Create a pool entry with the station's next number. The station row is locked
    (PostgreSQL), and a number taken concurrently (SQLite, or a lock-free writer) is
    retried with the next one."""
    for _attempt in range(_NUMBER_ATTEMPTS):
        try:
            with db_transaction.atomic():
                Station.objects.select_for_update().filter(pk=station.pk).first()
                return model.objects.create(station=station, number=_next_number(model, station, prefix), **fields)
        except IntegrityError:
            if not model.objects.filter(station=station, **_identity(model, fields)).exists():
                continue  # the number was taken meanwhile: take the next one
            raise
    raise IntegrityError(f"no free {prefix} number after {_NUMBER_ATTEMPTS} attempts")


def _identity(model, fields: dict) -> dict:
    key = "company" if model is SupplierPoolEntry else "user"
    return {key: fields[key]}


def supplier_pool_check(*, station: Station, company: Company) -> None:
    if SupplierPoolEntry.objects.filter(station=station, company=company).exists():
        raise InvalidInput(_("%(company)s is already in the supplier pool of %(station)s")
                           % {"company": company, "station": station}, field="company")


def supplier_pool_add(*, station: Station, company: Company, categories: str = "") -> SupplierPoolEntry:
    """Put a company in the station's supplier pool (供应商库) under the next S- number."""
    categories = _clean(categories, key="categories", label=_("categories"), max_length=200, required=False)
    supplier_pool_check(station=station, company=company)
    try:
        return _add_numbered(SupplierPoolEntry, station=station, prefix=SUPPLIER_PREFIX, company=company,
                             categories=categories)
    except IntegrityError:
        supplier_pool_check(station=station, company=company)
        raise


def _pool_keeper(*, station: Station, user, by_admin: bool):
    """The ledger actor of a change to the station's supplier pool: one of its clerks (the
    pool page) or the site's staff (the admin)."""
    if by_admin:
        return ledger_actor("administrator", user.ledger_name())
    if not user.memberships.filter(role=Role.CLERK, station=station).exists():
        raise NotPermitted(_("the supplier pool of %(station)s is kept by its clerks") % {"station": station})
    return ledger_actor(Role.CLERK, user.ledger_name())


def _pool_reason(reason) -> str:
    return _clean(reason, key="reason", label=_("reason (published in the ledger)"), max_length=500)


def supplier_pool_record(*, entry: SupplierPoolEntry, change: str, reason: str, actor) -> None:
    ledger_record(kind="company.changed", subject=company_subject(entry.company), actor=actor,
                  data={"pool": change, "station": entry.station.code, "number": entry.number, "reason": reason})


def supplier_pool_enter(*, station: Station, company: Company, user, reason, categories: str = "",
                        by_admin: bool = False) -> SupplierPoolEntry:
    """A clerk of the station (or the admin) puts a registered company in the station's
    supplier pool under the next S- number, with the reason; ledgered (`company.changed`,
    `"pool": "added"`)."""
    actor = _pool_keeper(station=station, user=user, by_admin=by_admin)
    reason = _pool_reason(reason)
    with db_transaction.atomic():
        entry = supplier_pool_add(station=station, company=company, categories=categories)
        supplier_pool_record(entry=entry, change="added", reason=reason, actor=actor)
    return entry


def supplier_pool_switch(*, entry: SupplierPoolEntry, active: bool, user, reason, by_admin: bool = False
                         ) -> SupplierPoolEntry:
    """Switch a pool entry on or off (a number is never deleted: draws name it), with the
    reason; ledgered (`"pool": "activated"` or `"deactivated"`). An entry switched off is
    neither drawn nor invited from then on; draws already announced keep their inputs."""
    actor = _pool_keeper(station=entry.station, user=user, by_admin=by_admin)
    reason = _pool_reason(reason)
    with db_transaction.atomic():
        entry = SupplierPoolEntry.objects.select_for_update().select_related("station", "company").get(pk=entry.pk)
        if entry.active == bool(active):
            raise InvalidInput(
                (_("%(number)s %(company)s is already switched on") if entry.active else
                 _("%(number)s %(company)s is already switched off"))
                % {"number": entry.number, "company": entry.company.name}, field="active")
        entry.active = bool(active)
        entry.save(update_fields=["active"])
        supplier_pool_record(entry=entry, change="activated" if entry.active else "deactivated", reason=reason,
                             actor=actor)
    return entry


def expert_pool_check(*, station: Station, user) -> None:
    if not user.memberships.filter(role=Role.EXPERT, station=station).exists():
        raise InvalidInput(
            _("%(user)s does not hold the expert role at %(station)s: give the role first, then add to the pool")
            % {"user": user.ledger_name(), "station": station}, field="user")
    if ExpertPoolEntry.objects.filter(station=station, user=user).exists():
        raise InvalidInput(_("%(user)s is already in the expert pool of %(station)s")
                           % {"user": user.ledger_name(), "station": station}, field="user")


def expert_pool_add(*, station: Station, user, specialty: str = "", employer: str = "") -> ExpertPoolEntry:
    """Put an expert in the station's expert pool (评审专家库) under the next E- number."""
    specialty = _clean(specialty, key="specialty", label=_("specialty"), max_length=100, required=False)
    employer = _clean(employer, key="employer", label=_("employer"), max_length=200, required=False)
    expert_pool_check(station=station, user=user)
    try:
        return _add_numbered(ExpertPoolEntry, station=station, prefix=EXPERT_PREFIX, user=user,
                             specialty=specialty, employer=employer)
    except IntegrityError:
        expert_pool_check(station=station, user=user)
        raise


def conflict_check(*, expert_entry: ExpertPoolEntry, unit=None, company=None) -> None:
    if unit is None and company is None:
        raise InvalidInput(_("a declared conflict names an owning unit or a supplier"), field="unit")
    if unit is not None and unit.station_id != expert_entry.station_id:
        raise InvalidInput(_("%(unit)s files its transactions at another station than this expert pool's")
                           % {"unit": unit}, field="unit")


def conflict_declare(*, expert_entry: ExpertPoolEntry, unit=None, company=None, reason) -> Conflict:
    """Record an expert's conflict of interest: recused from draws for that unit's transactions."""
    conflict_check(expert_entry=expert_entry, unit=unit, company=company)
    reason = _clean(reason, key="reason", label=_("reason"), max_length=200)
    with db_transaction.atomic():
        return Conflict.objects.create(expert=expert_entry, unit=unit, company=company, reason=reason)


# --- changes to a company, ledgered ------------------------------------------------------------

def company_subject(company) -> str:
    return f"company:{company.pk}"


def identity_frozen_by(company) -> list:
    """The company's live offers not yet opened that still can be: while there is one, what
    identifies it in a sealed offer (credit code, name) cannot change. An offer whose round
    was cancelled, whose procedure ended or went on to a new round is never opened: it
    freezes nothing."""
    live = Bid.objects.filter(company=company, status=BidStatus.LIVE).select_related("bid_round", "transaction")
    return [bid for bid in live
            if not bid.bid_round.cancelled and bid.transaction.stage not in ENDED_STAGES
            and bid.bid_round.procedure_round == bid.transaction.round
            and not Opening.objects.filter(bid_round=bid.bid_round, part=bid.part).exists()]


def company_identity_check(*, company, changed) -> None:
    frozen = [name for name in changed if name in Company.IDENTITY_FIELDS]
    if company.pk and frozen:
        bids = identity_frozen_by(company)
        if bids:
            raise RuleViolation(
                _("%(company)s has a sealed offer not yet opened in %(codes)s: its credit code and name are frozen "
                  "until then (a sealed offer is bound to the identity it was submitted under)")
                % {"company": company.name, "codes": ", ".join(sorted({b.transaction.code for b in bids}))},
                rule="company.identity_frozen", field=frozen[0])


def _by(user):
    return ledger_actor("administrator", user.ledger_name()) if user else ledger_actor("system", "platform")


def company_changed(*, company, changed, by) -> None:
    """Ledger a change of the company's record (inside the change's transaction): which
    fields, never their values (contact details may be a person's)."""
    company_identity_check(company=company, changed=changed)
    if changed:
        data = {"changed": sorted(changed)}
        ledger_record(kind="company.changed", subject=company_subject(company), actor=_by(by), data=data)


def clean_legal_representative(value) -> str:
    """The legal representative's name as stored and compared: NFKC (full-width letters from
    an input method become ordinary ones), single spaces, at most 64 characters."""
    name = _clean(value, key="legal_representative", label=_("legal representative"), max_length=64,
                  required=False)
    return " ".join(unicodedata.normalize("NFKC", name).split())


def clean_controller(company, controlled_by) -> Company | None:
    """The controlling company, given as a Company or its unified social credit code
    (empty: none); not the company itself."""
    if controlled_by in (None, ""):
        return None
    if not isinstance(controlled_by, Company):
        uscc = clean_uscc(controlled_by)
        found = selectors.company_by_uscc(uscc)
        if found is None:
            raise InvalidInput(_("no registered company has the credit code %(uscc)s") % {"uscc": uscc},
                               field="controlled_by")
        controlled_by = found
    if company.pk is not None and controlled_by.pk == company.pk:
        raise InvalidInput(_("a company does not control itself"), field="controlled_by")
    return controlled_by


def company_relations_set(*, company, user, legal_representative, controlled_by, by_admin=False) -> Company:
    """Record the company's legal representative and its controlling company (what makes
    two bidders related parties). Its representative does it on its page, station staff in
    the admin; ledgered (`company.changed`, field names only)."""
    if not by_admin and not Representation.objects.filter(company=company, user=user).exists():
        raise NotPermitted(_("you do not represent %(company)s") % {"company": company.name})
    representative = clean_legal_representative(legal_representative)
    controller = clean_controller(company, controlled_by)
    with db_transaction.atomic():
        company = Company.objects.select_for_update().get(pk=company.pk)
        changed = [name for name, value in (("legal_representative", representative),
                                            ("controlled_by", controller.pk if controller else None))
                   if getattr(company, "controlled_by_id" if name == "controlled_by" else name) != value]
        company.legal_representative, company.controlled_by = representative, controller
        company.save(update_fields=["legal_representative", "controlled_by"])
        if changed:
            actor = _by(user) if by_admin else ledger_actor(Role.BIDDER, user.ledger_name())
            ledger_record(kind="company.changed", subject=company_subject(company), actor=actor,
                          data={"changed": sorted(changed)})
    return company


def representative_add(*, company, user, by=None):
    with db_transaction.atomic():
        link, created = Representation.objects.get_or_create(company=company, user=user,
                                                             defaults={"since": clock.now()})
        if created:
            representative_record(company=company, user=user, by=by)
    return link


def representative_record(*, company, user, by, removed=False) -> None:
    ledger_record(kind="company.changed", subject=company_subject(company), actor=_by(by),
                  data={"representative": "removed" if removed else "added", "user": person_subject(user)})


def representative_remove(*, company, user, by=None) -> None:
    with db_transaction.atomic():
        deleted, _rows = Representation.objects.filter(company=company, user=user).delete()
        if deleted:
            representative_record(company=company, user=user, by=by, removed=True)
