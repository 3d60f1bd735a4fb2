"""Rule sets: the numbers a procedure's rules use, versioned, adopted per station.

Every number of DOMAIN.md's procedures (group size, minimum invitees, periods...) is a
parameter of a `RuleSet`. `DEFAULTS` holds the built-in values with their legal sources;
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
from dataclasses import dataclass
from fractions import Fraction

from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ledger.core.jcs import canonical_bytes
from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record

from .errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from .models import RuleSet, RuleSetAdoption, TransactionType
from .text import clean_text

# The version of `<procedure>-default` that is in force where a station adopted nothing.
DEFAULT_VERSION = 1
# A sanity ceiling for every whole-number parameter (days, counts, months).
INTEGER_CEILING = 1000

# --- Sources, short and bilingual (the full wording is in docs/rules.md) -----------------

GPL_40 = "政府采购法第四十条 / Government Procurement Law art. 40"
GPL_40_74_12 = ("政府采购法第四十条（二）；财政部令第74号第十二条 / "
                "Government Procurement Law art. 40(2); MOF Order No. 74 art. 12")
MOF74_45 = "财政部令第74号第四十五条 / MOF Order No. 74 art. 45"
MOF74_51 = "财政部令第74号第五十一条 / MOF Order No. 74 art. 51"
MOF74_49 = "财政部令第74号第四十九条 / MOF Order No. 74 art. 49"
MOF74_18 = "财政部令第74号第十八条 / MOF Order No. 74 art. 18"
GPL_52 = "政府采购法第五十二条 / Government Procurement Law art. 52"
GPL_46 = "政府采购法第四十六条 / Government Procurement Law art. 46"
GPL_REG_50 = ("政府采购法实施条例第五十条 / "
              "Regulations on the Implementation of the Government Procurement Law art. 50")
CUSTODIANS = ("平台规则：开标密钥由交易站工作人员、监督人员、采购人代表分持 / platform rule: the opening "
              "key is split among clerk, supervisor and purchaser representative (DOMAIN.md, Sealed bids)")
BL_23 = "招标投标法第二十三条 / Bidding Law art. 23"
BL_24 = "招标投标法第二十四条 / Bidding Law art. 24"
BL_28 = "招标投标法第二十八条 / Bidding Law art. 28"
BL_37 = "招标投标法第三十七条 / Bidding Law art. 37"
BL_46 = "招标投标法第四十六条 / Bidding Law art. 46"
BL_47 = "招标投标法第四十七条 / Bidding Law art. 47"
BLR = "招标投标法实施条例第%s条 / Regulations on the Implementation of the Bidding Law art. %s"
BLR_16 = BLR % ("十六", "16")
BLR_22 = BLR % ("二十二", "22")
BLR_26 = BLR % ("二十六", "26")
BLR_53 = BLR % ("五十三", "53")
BLR_54 = BLR % ("五十四", "54")
BLR_57 = BLR % ("五十七", "57")
ASSET = "DOMAIN.md §3：%s / DOMAIN.md §3: %s"


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


def _custodians():
    return {
        "custodians_k": Param(gettext_lazy("custodians needed to open the bids (k)"), 2, CUSTODIANS, minimum=2),
        "custodians_n": Param(gettext_lazy("custodians holding a share of the opening key (n)"), 3, CUSTODIANS,
                              minimum=2, maximum=3),
    }


PARAMS: dict[str, dict[str, Param]] = {
    "inquiry": {
        "group_min_size": Param(gettext_lazy("minimum size of the inquiry group (odd)"), 3, GPL_40,
                                minimum=3, odd=True),
        "expert_share": Param(gettext_lazy("minimum share of experts in the inquiry group"), "2/3", GPL_40,
                              minimum=Fraction(2, 3), maximum=Fraction(1)),
        "min_invitees": Param(gettext_lazy("minimum number of invited suppliers"), 3, GPL_40_74_12, minimum=3),
        "quote_period_working_days": Param(gettext_lazy("working days from the notice to the quote deadline"),
                                           3, MOF74_45, minimum=3),
        "min_quotes": Param(gettext_lazy("minimum number of quotes"), 3, MOF74_51, minimum=3),
        "min_responsive": Param(gettext_lazy("minimum number of responsive quotes within budget"), 3, MOF74_51,
                                minimum=3),
        "confirm_working_days": Param(gettext_lazy("working days for the purchaser to confirm the award"),
                                      5, MOF74_49, maximum=5),
        "result_publish_working_days": Param(gettext_lazy("working days to publish the result"), 2, MOF74_18,
                                             maximum=2),
        "challenge_working_days": Param(gettext_lazy("working days of the challenge period"), 7, GPL_52,
                                        minimum=7),
        "contract_days": Param(gettext_lazy("days to sign the contract after the award notice"), 30, GPL_46,
                               maximum=30),
        "contract_publish_working_days": Param(gettext_lazy("working days to publish the contract"), 2,
                                               GPL_REG_50, maximum=2),
        **_custodians(),
    },
    "tender": {
        "documents_available_days": Param(gettext_lazy("days the tender documents are available"), 5, BLR_16,
                                          minimum=5),
        "bid_period_days": Param(gettext_lazy("days from first issuing the documents to the bid deadline"), 20,
                                 BL_24, minimum=20),
        "clarification_days_before_deadline": Param(
            gettext_lazy("days before the deadline by which clarifications or changes are issued"), 15, BL_23,
            minimum=15),
        "objection_days_before_deadline": Param(
            gettext_lazy("days before the deadline by which objections to the documents are raised"), 10, BLR_22),
        "objection_answer_days": Param(gettext_lazy("days to answer an objection"), 3, BLR_22, maximum=3),
        "security_max_share": Param(gettext_lazy("maximum bid security as a share of the estimated price"),
                                    "2/100", BLR_26, minimum=Fraction(1, 10000), maximum=Fraction(2, 100)),
        "min_bids": Param(gettext_lazy("minimum number of bids to open"), 3, BL_28, minimum=3),
        "committee_min_size": Param(gettext_lazy("minimum size of the evaluation committee (odd)"), 5, BL_37,
                                    minimum=5, odd=True),
        "committee_expert_share": Param(gettext_lazy("minimum share of experts in the committee"), "2/3", BL_37,
                                        minimum=Fraction(2, 3), maximum=Fraction(1)),
        "max_candidates": Param(gettext_lazy("maximum number of ranked candidates"), 3, BLR_53, maximum=3),
        "candidates_publish_days": Param(gettext_lazy("days from the report to publicising the candidates"), 3,
                                         BLR_54, maximum=3),
        "candidates_publicity_days": Param(gettext_lazy("days the candidates are publicised"), 3, BLR_54,
                                           minimum=3),
        "contract_days": Param(gettext_lazy("days to sign the contract after the award notice"), 30, BL_46,
                               maximum=30),
        "security_refund_days": Param(gettext_lazy("days to refund the bid securities after the contract"), 5,
                                      BLR_57, maximum=5),
        "report_days": Param(gettext_lazy("days to report to the supervisor after the award"), 15, BL_47,
                             maximum=15),
        **_custodians(),
    },
    # No article numbers here: the rules of state-owned asset transfers differ by owner and
    # province; a station cites its own (DOMAIN.md section 3 gives the numbers).
    "asset_sale": {
        "listing_min_share": Param(gettext_lazy("minimum listing price as a share of the appraised value"),
                                   "1/1", ASSET % ("挂牌价不低于评估值", "listing price at least the appraised value"),
                                   minimum=Fraction(1)),
        "disclosure_working_days": Param(gettext_lazy("working days of the disclosure period"), 20,
                                         ASSET % ("信息披露期", "disclosure period")),
        "relist_approval_below_share": Param(
            gettext_lazy("relisting price share of the appraisal below which an approval is needed"), "9/10",
            ASSET % ("低于评估值90%须经批准", "below 90% of the appraisal needs approval"),
            minimum=Fraction(1, 100), maximum=Fraction(1)),
        "appraisal_valid_months": Param(
            gettext_lazy("months after first disclosure after which a new appraisal is needed"), 12,
            ASSET % ("超过12个月须重新评估", "a new appraisal after 12 months")),
        "payment_working_days": Param(gettext_lazy("working days for the buyer to pay"), 5,
                                      ASSET % ("价款支付期限", "payment period")),
        "result_publicity_working_days": Param(gettext_lazy("working days the result is publicised"), 5,
                                               ASSET % ("成交结果公示期", "result publicity period")),
        **_custodians(),
    },
}

# The built-in defaults as data: {procedure: {name: (value, source)}}.
DEFAULTS: dict[str, dict[str, tuple[int | str, str]]] = {
    procedure: {name: (p.default, p.source) for name, p in params.items()}
    for procedure, params in PARAMS.items()
}

DEFAULT_TITLES = {
    "inquiry": "询价采购默认规则 / Inquiry-priced procurement: built-in defaults",
    "tender": "公开招标默认规则 / Open tender: built-in defaults",
    "asset_sale": "公开协商出售默认规则 / Negotiated asset sale: built-in defaults",
}

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
            % {"param": _named(spec, name), "minimum": _show(spec.minimum), "source": spec.source,
               "value": value}, rule=f"ruleset.{name}")
    if maximum is not None and number > maximum:
        raise RuleViolation(
            _("%(param)s must be at most %(maximum)s (%(source)s); given: %(value)s")
            % {"param": _named(spec, name), "maximum": _show(maximum), "source": spec.source,
               "value": value}, rule=f"ruleset.{name}")
    if spec.odd and number % 2 == 0:
        raise RuleViolation(
            _("%(param)s must be an odd number (%(source)s); given: %(value)s")
            % {"param": _named(spec, name), "source": spec.source, "value": value}, rule=f"ruleset.{name}")
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
            % {"k": numbers["custodians_k"], "n": numbers["custodians_n"], "source": CUSTODIANS},
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
    try:
        return rule_set.sources[name]
    except KeyError:
        raise LookupError(f"rule set {rule_set} has no source for {name!r}") from None


def fraction(rule_set: RuleSet, name: str) -> Fraction:
    return Fraction(param(rule_set, name))


def ledger_reference(rule_set: RuleSet) -> dict:
    """How the ledger names a rule set: {"code", "version", "digest"}."""
    return {"code": rule_set.code, "version": rule_set.version, "digest": rule_set.digest}


__all__ = [
    "DEFAULTS", "DEFAULT_VERSION", "PARAMS", "Param", "adopt", "check_adoption", "check_params",
    "check_publication", "default_code", "default_params", "default_rule_sets_create", "default_sources", "digest_of",
    "fraction", "in_force", "ledger_reference", "param", "publish", "rule_set_digest", "source",
]
