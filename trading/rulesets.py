"""Rule sets: the numbers a procedure's rules use, versioned, adopted per station.

Every number of DOMAIN.md's procedures (group size, minimum invitees, periods...) is a
parameter of a `RuleSet`. Each procedure declares its parameters with their built-in
values and legal sources (`Procedure.params`, trading/procedures/<name>/params.py);
the data migration 0003 publishes them as `<procedure>-default` version 1, which is in
force at every station that has adopted nothing else. A station adopts another published
version (`adopt`, recorded in the ledger as `ruleset.adopted`); a published rule set is
never edited: a change is a new version (`publish`), identified by the SHA-256 `digest` of
its canonical JSON, which the ledger quotes when a notice puts it in force
(`ledger_reference`).

`publish` refuses a parameter weaker than the law it cites (the `minimum`/`maximum` of
`PARAMS`): a jurisdiction may make a rule stricter, not break the national one. The
station-facing explanation is docs/rules.md.
"""

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ledger.core.jcs import canonical_bytes
from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record

from . import registry
from .errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from .models import RuleSet, RuleSetAdoption, TransactionType
from .text import clean_text

# The version of `<procedure>-default` that is in force where a station adopted nothing.
DEFAULT_VERSION = 1
# A sanity ceiling for every whole-number parameter (days, counts, months).
INTEGER_CEILING = 1000

# --- Sources every procedure cites ---------------------------------------------------------

CUSTODIANS = ("平台规则：开标密钥由交易站工作人员、监督人员、采购人代表分持 / platform rule: the opening "
              "key is split among clerk, supervisor and purchaser representative (DOMAIN.md, Sealed bids)")


@dataclass(frozen=True)
class Param:
    """One parameter: its built-in value and source, and the bounds `publish` enforces
    (for a fraction, `minimum`/`maximum` are Fractions; `odd`: the law wants an odd count)."""

    label: str
    default: int | str
    source: str
    minimum: int | Fraction = 1
    maximum: int | Fraction | None = None
    odd: bool = False

    @property
    def is_fraction(self) -> bool:
        return isinstance(self.default, str)


def custodian_params() -> dict[str, Param]:
    """The opening key's k of n, which every procedure with sealed offers has."""
    return {
        "custodians_k": Param(gettext_lazy("custodians needed to open the bids (k)"), 2, CUSTODIANS, minimum=2),
        "custodians_n": Param(gettext_lazy("custodians holding a share of the opening key (n)"), 3, CUSTODIANS,
                              minimum=2, maximum=3),
    }


class _ByProcedure(Mapping):
    """{procedure: ...} read from the registry: each procedure declares its parameters
    (`Procedure.params`) and the title of its built-in rule set (`Procedure.rules_title`)."""

    def __init__(self, read):
        self._read = read

    def __getitem__(self, procedure):
        found = registry.find(procedure)
        if found is None or not found.params:
            raise KeyError(procedure)
        return self._read(found)

    def __iter__(self):
        return iter([p.type for p in registry.procedures() if p.params])

    def __len__(self):
        return len(list(iter(self)))


PARAMS: Mapping[str, dict[str, Param]] = _ByProcedure(lambda p: p.params)
# The built-in defaults as data: {procedure: {name: (value, source)}}.
DEFAULTS: Mapping[str, dict[str, tuple[int | str, str]]] = _ByProcedure(
    lambda p: {name: (spec.default, spec.source) for name, spec in p.params.items()})
DEFAULT_TITLES: Mapping[str, str] = _ByProcedure(lambda p: p.rules_title)

_FRACTION = re.compile(r"^([1-9][0-9]{0,5})/([1-9][0-9]{0,5})$")
_CODE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_ADMINISTRATOR = "administrator"


def default_code(procedure: str) -> str:
    return f"{procedure}-default"


def default_params(procedure: str) -> dict:
    return {name: value for name, (value, _source) in DEFAULTS[procedure].items()}


def default_sources(procedure: str) -> dict:
    return {name: source for name, (_value, source) in DEFAULTS[procedure].items()}


def digest_of(*, procedure: str, code: str, version: int, params: dict, sources: dict) -> str:
    """SHA-256 (hex) of the canonical JSON (RFC 8785) of what a rule set says."""
    body = {"procedure": procedure, "code": code, "version": version, "params": params, "sources": sources}
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def rule_set_digest(rule_set: RuleSet) -> str:
    """The digest recomputed from the row (equal to `rule_set.digest` unless altered)."""
    return digest_of(procedure=rule_set.procedure, code=rule_set.code, version=rule_set.version,
                     params=rule_set.params, sources=rule_set.sources)


# --- Validation ------------------------------------------------------------------------

def _procedure_params(procedure) -> dict[str, Param]:
    if procedure not in PARAMS:
        raise InvalidInput(
            _("unknown procedure “%(procedure)s”: one of %(known)s")
            % {"procedure": procedure, "known": ", ".join(PARAMS)}, field="procedure")
    return PARAMS[procedure]


def _named(spec: Param, name: str) -> str:
    return f"{spec.label} ({name})"


def _check_value(name: str, spec: Param, value) -> int | Fraction:
    if spec.is_fraction:
        match = _FRACTION.match(value) if isinstance(value, str) else None
        if match is None:
            raise InvalidInput(
                _("%(param)s must be a fraction written a/b, e.g. 2/3 (given: %(value)s)")
                % {"param": _named(spec, name), "value": value}, field=name)
        number = Fraction(int(match[1]), int(match[2]))
    else:
        if type(value) is not int:
            raise InvalidInput(
                _("%(param)s must be a whole number, e.g. %(example)s (given: %(value)s)")
                % {"param": _named(spec, name), "example": spec.default, "value": value}, field=name)
        number = value
    maximum = spec.maximum if spec.maximum is not None else (None if spec.is_fraction else INTEGER_CEILING)
    if number < spec.minimum:
        raise RuleViolation(
            _("%(param)s must be at least %(minimum)s (%(source)s); given: %(value)s")
            % {"param": _named(spec, name), "minimum": _show(spec.minimum), "source": cited(spec.source),
               "value": value}, rule=f"ruleset.{name}")
    if maximum is not None and number > maximum:
        raise RuleViolation(
            _("%(param)s must be at most %(maximum)s (%(source)s); given: %(value)s")
            % {"param": _named(spec, name), "maximum": _show(maximum), "source": cited(spec.source),
               "value": value}, rule=f"ruleset.{name}")
    if spec.odd and number % 2 == 0:
        raise RuleViolation(
            _("%(param)s must be an odd number (%(source)s); given: %(value)s")
            % {"param": _named(spec, name), "source": cited(spec.source), "value": value}, rule=f"ruleset.{name}")
    return number


def _show(number) -> str:
    return f"{number.numerator}/{number.denominator}" if isinstance(number, Fraction) else str(number)


def check_params(*, procedure: str, params, sources) -> tuple[dict, dict]:
    """Validate a rule set's parameters and sources; returns them cleaned (sources in NFC).

    Raises InvalidInput for unknown, missing or malformed entries and RuleViolation for a
    value outside what the law it cites allows (naming the parameter, the bound and the
    source).
    """
    specs = _procedure_params(procedure)
    for what, given in ((_("parameters"), params), (_("sources"), sources)):
        if not isinstance(given, dict):
            raise InvalidInput(_("%(what)s must be an object of name: value") % {"what": what})
        unknown = sorted(set(map(str, given)) - set(specs))
        if unknown:
            raise InvalidInput(
                _("unknown %(what)s for the %(procedure)s procedure: %(names)s (known: %(known)s)")
                % {"what": what, "procedure": procedure, "names": ", ".join(unknown),
                   "known": ", ".join(specs)})
        missing = [name for name in specs if name not in given]
        if missing:
            raise InvalidInput(
                _("%(what)s missing from the rule set: %(names)s (every parameter has a value and a source)")
                % {"what": what, "names": ", ".join(missing)})
    numbers = {name: _check_value(name, spec, params[name]) for name, spec in specs.items()}
    if "custodians_k" in numbers and numbers["custodians_k"] > numbers["custodians_n"]:
        raise RuleViolation(
            _("the custodians needed to open (k = %(k)s) cannot exceed the custodians holding a share "
              "(n = %(n)s) (%(source)s)")
            % {"k": numbers["custodians_k"], "n": numbers["custodians_n"], "source": cited(CUSTODIANS)},
            rule="ruleset.custodians_k")
    clean_sources = {}
    for name in specs:
        field = _("source of %(name)s") % {"name": name}
        if not isinstance(sources[name], str):
            raise InvalidInput(_("%(field)s must be text") % {"field": field}, field=name)
        clean_sources[name] = clean_text(sources[name], field=field, max_length=300)
    return {name: params[name] for name in specs}, clean_sources


def check_publication(*, procedure: str, code: str, title: str, params, sources) -> dict:
    """Everything `publish` checks before it writes; returns the cleaned fields
    (procedure, code, title, params, sources). The admin form calls it too, so that a
    refusal shows on the form with its reason."""
    params, sources = check_params(procedure=procedure, params=params, sources=sources)
    code = str(code or "").strip()
    if not _CODE.match(code) or len(code) > RuleSet._meta.get_field("code").max_length:
        raise InvalidInput(
            _("a rule set code is lowercase letters, digits and single - or _ between them, "
              "at most 64 characters (given: %(code)s)") % {"code": code}, field="code")
    title = clean_text(title, field=_("title"), max_length=RuleSet._meta.get_field("title").max_length)
    other = RuleSet.objects.filter(code=code).exclude(procedure=procedure).first()
    if other is not None:
        raise InvalidInput(
            _("rule set code %(code)s belongs to the procedure %(procedure)s; choose another code")
            % {"code": code, "procedure": other.procedure}, field="code")
    return {"procedure": procedure, "code": code, "title": title, "params": params, "sources": sources}


# --- Services ---------------------------------------------------------------------------

def publish(*, procedure: str, code: str, title: str, params: dict, sources: dict) -> RuleSet:
    """Publish the next version of rule set `code` (1 if it is new). Never edits one."""
    try:
        with db_transaction.atomic():
            fields = check_publication(procedure=procedure, code=code, title=title, params=params,
                                       sources=sources)
            latest = RuleSet.objects.filter(code=fields["code"]).order_by("-version").first()
            version = latest.version + 1 if latest else 1
            digest = digest_of(procedure=fields["procedure"], code=fields["code"], version=version,
                               params=fields["params"], sources=fields["sources"])
            return RuleSet.objects.create(version=version, digest=digest, **fields)
    except IntegrityError as exc:  # the same code and version, published at the same moment
        raise StageConflict(
            _("another version of %(code)s was published at the same moment; reload and try again")
            % {"code": code}) from exc


def default_rule_sets_create() -> list[RuleSet]:
    """Create the built-in defaults (`<procedure>-default` version 1) where missing; returns
    those created. The data migration 0003 creates them on migrate (the same values: a test
    holds them equal); this restores them where a test's flush emptied every table."""
    created = []
    for procedure in PARAMS:
        params, sources = default_params(procedure), default_sources(procedure)
        code = default_code(procedure)
        rule_set, is_new = RuleSet.objects.get_or_create(
            code=code, version=DEFAULT_VERSION,
            defaults={"procedure": procedure, "title": DEFAULT_TITLES[procedure], "params": params,
                      "sources": sources,
                      "digest": digest_of(procedure=procedure, code=code, version=DEFAULT_VERSION,
                                          params=params, sources=sources)},
        )
        if is_new:
            created.append(rule_set)
    return created


def check_adoption(*, station, rule_set: RuleSet, user) -> None:
    """Raise the reason `user` may not put `rule_set` in force at `station`, if any."""
    if user is None or not getattr(user, "is_staff", False):
        raise NotPermitted(_("a rule set is adopted by the platform administration (a staff account)"))
    if rule_set.pk is None or rule_set_digest(rule_set) != rule_set.digest:
        raise RuleViolation(
            _("rule set %(rule_set)s does not match its published digest: it was altered after "
              "publication and cannot be adopted") % {"rule_set": rule_set}, rule="ruleset.digest")
    if in_force(station, rule_set.procedure).pk == rule_set.pk:
        raise InvalidInput(
            _("rule set %(rule_set)s is already in force at %(station)s")
            % {"rule_set": rule_set, "station": station})


def adopt(*, station, rule_set: RuleSet, user, note: str = "") -> RuleSetAdoption:
    """Put `rule_set` in force at `station` for its procedure, from now on; ledgered."""
    note = clean_text(note, field=_("note"), max_length=RuleSetAdoption._meta.get_field("note").max_length,
                      required=False)
    with db_transaction.atomic():
        check_adoption(station=station, rule_set=rule_set, user=user)
        adoption = RuleSetAdoption.objects.create(station=station, rule_set=rule_set, adopted_by=user, note=note)
        ledger_record(
            kind="ruleset.adopted",
            subject=station.code,
            actor=ledger_actor(_ADMINISTRATOR, user.ledger_name()),
            data={"procedure": rule_set.procedure, **ledger_reference(rule_set)},
        )
    return adoption


# --- Selectors --------------------------------------------------------------------------

def in_force(station, procedure: str) -> RuleSet:
    """The rule set in force at `station` for `procedure`: its latest adoption, else the
    built-in default."""
    _procedure_params(procedure)
    adoption = (RuleSetAdoption.objects.filter(station=station, rule_set__procedure=procedure)
                .select_related("rule_set").order_by("-adopted_at", "-pk").first())
    if adoption is not None:
        return adoption.rule_set
    default = RuleSet.objects.filter(code=default_code(procedure), version=DEFAULT_VERSION).first()
    if default is None:
        raise RuleViolation(
            _("no rule set in force for %(procedure)s at %(station)s: the station has adopted none and the "
              "built-in default %(code)s v%(version)d is missing (run manage.py migrate)")
            % {"procedure": TransactionType(procedure).label, "station": station,
               "code": default_code(procedure), "version": DEFAULT_VERSION}, rule="ruleset.in_force")
    return default


def param(rule_set: RuleSet, name: str) -> int | str:
    try:
        return rule_set.params[name]
    except KeyError:
        raise LookupError(f"rule set {rule_set} has no parameter {name!r}") from None


def source(rule_set: RuleSet, name: str) -> str:
    """Where the rule set's `name` comes from, for a message in the reader's language (`cited`)."""
    try:
        return cited(rule_set.sources[name])
    except KeyError:
        raise LookupError(f"rule set {rule_set} has no source for {name!r}") from None


def cited(text) -> str:
    """A legal source as a message cites it. Sources are written in both languages, the
    Chinese name first ("政府采购法第四十条 / Government Procurement Law art. 40"): a Chinese
    message cites the Chinese half only (no English law names inside Chinese text); an
    English one the whole, so the reader also has the official Chinese name to look up.
    The rule set itself keeps the text as published (its digest covers it)."""
    text = str(text)
    chinese, separator, _english = text.partition(" / ")
    if separator and (get_language() or "").startswith("zh"):
        return chinese
    return text


def fraction(rule_set: RuleSet, name: str) -> Fraction:
    return Fraction(param(rule_set, name))


def ledger_reference(rule_set: RuleSet) -> dict:
    """How the ledger names a rule set: {"code", "version", "digest"}."""
    return {"code": rule_set.code, "version": rule_set.version, "digest": rule_set.digest}


__all__ = [
    "DEFAULTS", "DEFAULT_VERSION", "PARAMS", "Param", "adopt", "check_adoption", "check_params",
    "check_publication", "default_code", "default_params", "default_rule_sets_create", "default_sources", "digest_of",
    "cited", "fraction", "in_force", "ledger_reference", "param", "publish", "rule_set_digest", "source",
]
