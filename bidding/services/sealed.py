"""Sealed quotes nobody can open early (DOMAIN.md "Sealed bids", docs/sealed-bids.md).

* `custodian_key_set`: a clerk, supervisor or purchaser sets the passphrase that alone
  unlocks its custodian key.
* `opening_key_create`: a round's opening key, split k-of-n among custodians of different
  roles; its private half exists only in memory during the call (`opening_key.created`).
* `invitations_create`: the suppliers invited to quote (secret: no ledger entry).
* `quote_submit` / `quote_seal_for_web`: an envelope accepted before the deadline (the
  server clock decides, under the transaction's row lock), with its signed receipt at
  once; no ledger entry and nothing visible to anyone else before the deadline.
* `bids_close`: the `bids.closed` entry of LEDGER.md section 2 (called by the procedure's
  closing move).
* `quotes_open`: k custodians' passphrases rebuild the key in memory; every envelope is
  opened or recorded as failed (`bids.opened`), and a checkpoint is signed at once.

Each is one database transaction (a savepoint inside a procedure's move).
"""

import re
import unicodedata

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from ledger.core.checkpoint import format_receipt
from ledger.core.entry import format_ts
from ledger.services import actor as ledger_actor
from ledger.services import ledger_checkpoint_now, ledger_record
from ledger.signing import get_signer
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Role, Transaction
from trading.money import parse_yuan

from .. import crypto
from ..models import (
    Company,
    CustodianKey,
    CustodianShare,
    Invitation,
    InvitationMethod,
    Opening,
    OpeningKey,
    OpeningRecord,
    Quote,
)
from ..selectors_sealed import (
    CUSTODIAN_ROLES,
    custodian_roles_of,
    quote_deadline_of,
    shares_still_needed,
)

# Where the rules come from, as shown in every refusal.
ONE_QUOTE = gettext_lazy("政府采购法第四十条(三): 被询价的供应商一次报出不得更改的价格 "
                         "(Government Procurement Law art. 40(3): one price, which cannot be changed)")
DEADLINE = gettext_lazy("the inquiry notice's quote deadline; quotes after it are refused "
                        "(招标投标法第二十八条 by analogy; the platform's clock decides)")
SEALED_BIDS = gettext_lazy("platform rule: sealed bids, DOMAIN.md “Sealed bids”, docs/sealed-bids.md")
PASSPHRASE_RULES = gettext_lazy("custodian passphrase rules, docs/sealed-bids.md")

# Stages in which suppliers may still be invited to the current round.
INVITING_STAGES = frozenset({"registered", "group_formed", "notice_issued", "quoting"})
# Stages from which a round's quotes are opened (the procedure's opening move checks too).
OPENING_STAGES = frozenset({"quotes_closed"})
IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e]{1,100}")
# The part of a round an opening key opens (bound into each share's HPKE info).
OFFER_PART = "offer"

# The reasons an opening records, in English in the records and the ledger; pages show
# them in the reader's language.
REASONS = {
    "the envelope does not decrypt with this procedure's opening key":
        gettext_lazy("the envelope does not decrypt with this procedure's opening key"),
    "the envelope decrypts but does not hold a quote": gettext_lazy("the envelope decrypts but does not hold a quote"),
    "the quote inside names another transaction": gettext_lazy("the quote inside names another transaction"),
    "the quote inside names another supplier": gettext_lazy("the quote inside names another supplier"),
    "the price inside is not an amount in yuan with two decimals":
        gettext_lazy("the price inside is not an amount in yuan with two decimals"),
    "the price inside is not a positive amount in yuan": gettext_lazy("the price inside is not a positive amount in yuan"),
}


def reason_label(reason: str) -> str:
    return str(REASONS.get(reason, reason))


def _local(moment, *, precise=False) -> str:
    fmt = "%Y-%m-%d %H:%M:%S.%f" if precise else "%Y-%m-%d %H:%M"
    return timezone.localtime(moment).strftime(fmt)


def _lock(transaction) -> Transaction:
    tx = Transaction.objects.select_for_update().filter(pk=transaction.pk).first()
    if tx is None:
        raise InvalidInput(_("no such transaction"))
    return tx.as_procedure()


def _holds(user, role, tx) -> bool:
    for m in user.memberships.all():
        if m.role == role and m.station_id == tx.station_id:
            if role != Role.PURCHASER or m.unit_id == tx.unit_id:
                return True
    return False


def _role_label(role) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return str(role)


def _who(user, role=None) -> str:
    return f"{user.ledger_name()} ({_role_label(role)})" if role else user.ledger_name()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- custodians ------------------------------------------------------------------------------

def custodian_label(user) -> str:
    """What a custodian key's stored blob is bound to (its owner's row)."""
    return f"user:{user.pk}"


def _check_passphrase(user, passphrase: str) -> None:
    """The custodian passphrase rules: long enough, varied, not guessable from the user's
    own data or common passwords, and not the login password (whose hash the database
    holds: cracking it must not give the passphrase)."""
    text = crypto.normalise_passphrase(passphrase or "")
    problems = []
    if len(text) < crypto.MIN_PASSPHRASE:
        problems.append(_("it has at least %(min)d characters (given: %(n)d)")
                        % {"min": crypto.MIN_PASSPHRASE, "n": len(text)})
    if len(set(text)) < 6:
        problems.append(_("it uses at least 6 different characters"))
    try:
        password_validation.validate_password(text, user, password_validators=[
            password_validation.UserAttributeSimilarityValidator(
                user_attributes=("username", "full_name", "first_name", "last_name", "email")),
            password_validation.CommonPasswordValidator(),
            password_validation.NumericPasswordValidator(),
        ])
    except ValidationError as exc:
        problems.extend(str(m) for m in exc.messages)
    if text and user.has_usable_password() and user.check_password(text):
        problems.append(_("it is not your login password"))
    if problems:
        raise RuleViolation(
            _("a custodian passphrase must be strong, as it alone protects the opening of sealed quotes "
              "(%(source)s): %(problems)s") % {"source": PASSPHRASE_RULES, "problems": "; ".join(problems)},
            rule="sealed.custodian_passphrase", field="passphrase")


@sensitive_variables("passphrase")
def custodian_key_set(*, user, passphrase: str) -> CustodianKey:
    """Set (once, or again when no pending opening needs it) the custodian key of `user`,
    whose private half only `passphrase` unlocks. The passphrase is never stored."""
    if not custodian_roles_of(user):
        raise NotPermitted(_("custodian keys are held by clerks, supervisors and purchasers' representatives"))
    _check_passphrase(user, passphrase)
    # The slow part (scrypt) before the database transaction, so no lock is held meanwhile.
    protected = crypto.make_custodian_key(passphrase, label=custodian_label(user),
                                          log2_n=settings.CUSTODIAN_SCRYPT_LOG2_N)
    with db_transaction.atomic():
        existing = CustodianKey.objects.select_for_update().filter(user=user).first()
        if existing is not None:
            needed = shares_still_needed(user)
            if needed:
                codes = ", ".join(sorted({_("%(code)s (round %(round)d)")
                                          % {"code": s.opening_key.transaction.code, "round": s.opening_key.round}
                                          for s in needed}))
                raise RuleViolation(
                    _("your custodian key holds shares of opening keys not yet used: %(codes)s. Replacing it now "
                      "would lose your share of them; set a new passphrase after those quotes are opened "
                      "(%(source)s)") % {"codes": codes, "source": SEALED_BIDS},
                    rule="sealed.custodian_key_in_use")
            key = existing
        else:
            key = CustodianKey(user=user)
        key.public_key, key.salt, key.nonce, key.ciphertext = (
            protected.public_key, protected.salt, protected.nonce, protected.ciphertext)
        key.created_at = clock.now()
        key.save()
    return key


def _protected(key: CustodianKey) -> crypto.ProtectedKey:
    return crypto.ProtectedKey(public_key=bytes(key.public_key), salt=bytes(key.salt), nonce=bytes(key.nonce),
                               ciphertext=bytes(key.ciphertext))


# --- the opening key of a round --------------------------------------------------------------

def _rule_set(tx):
    from trading import rulesets

    return tx.rule_set or rulesets.in_force(tx.station, tx.type)


def _custodian_rule(tx, name, default):
    """k or n from the rule set in force, its source for messages."""
    from trading import rulesets

    try:
        rule_set = _rule_set(tx)
        return int(rulesets.param(rule_set, name)), rulesets.source(rule_set, name)
    except (LookupError, RuleViolation):
        return default, str(SEALED_BIDS)


def opening_key_create(*, transaction, custodians, k: int | None = None, user=None) -> OpeningKey:
    """The opening key of the transaction's current round, split k-of-n among
    `custodians`, a list of (user, role) of different roles (default 2 of 3: the clerk, a
    supervisor, the purchaser's representative). Each custodian must have set its
    custodian key. `user` is the official who issues the notice (the ledger's actor)."""
    tx = transaction
    custodians = [(u, str(role)) for u, role in custodians]
    n_rule, n_source = _custodian_rule(tx, "custodians_n", 3)
    if k is None:
        k, k_source = _custodian_rule(tx, "custodians_k", 2)
    else:
        k, k_source = int(k), _custodian_rule(tx, "custodians_k", 2)[1]
    roles = [role for _u, role in custodians]
    if any(role not in CUSTODIAN_ROLES for role in roles) or len(set(roles)) != len(roles):
        raise RuleViolation(
            _("the opening key's custodians hold different roles among clerk, supervisor and purchaser's "
              "representative (%(source)s)") % {"source": n_source}, rule="sealed.custodian_roles")
    if len({u.pk for u, _r in custodians}) != len(custodians):
        raise RuleViolation(_("the opening key's custodians are different people (%(source)s)")
                            % {"source": n_source}, rule="sealed.custodian_roles")
    if len(custodians) != n_rule:
        raise RuleViolation(_("the opening key is split among %(n)d custodians (%(source)s); given %(given)d")
                            % {"n": n_rule, "source": n_source, "given": len(custodians)}, rule="sealed.custodians_n")
    if not 2 <= k <= len(custodians):
        raise RuleViolation(_("opening needs between 2 and %(n)d custodians (%(source)s); asked for %(k)d")
                            % {"n": len(custodians), "source": k_source, "k": k}, rule="sealed.custodians_k")
    for u, role in custodians:
        if not _holds(u, role, tx):
            raise RuleViolation(_("%(who)s does not hold that role for %(code)s")
                                % {"who": _who(u, role), "code": tx.code}, rule="sealed.custodian_roles")
    with db_transaction.atomic():
        keys = {key.user_id: key for key in
                CustodianKey.objects.select_for_update().filter(user__in=[u for u, _r in custodians])}
        missing = [_who(u, role) for u, role in custodians if u.pk not in keys]
        if missing:
            raise RuleViolation(
                _("every custodian sets a custodian passphrase before the opening key is made; still to do it "
                  "(page “My custodian key”): %(names)s") % {"names": ", ".join(missing)},
                rule="sealed.custodian_key_missing")
        if OpeningKey.objects.filter(transaction=tx, round=tx.round).exists():
            raise StageConflict(_("round %(round)d of %(code)s already has its opening key")
                                % {"round": tx.round, "code": tx.code})
        public_key, sealed = crypto.make_opening_key(
            tx.code, tx.round, OFFER_PART, [bytes(keys[u.pk].public_key) for u, _r in custodians], k)
        opening_key = OpeningKey.objects.create(transaction=tx, round=tx.round, public_key=public_key,
                                                k=k, n=len(custodians))
        for (u, role), (index, sealed_share, digest) in zip(custodians, sealed, strict=True):
            CustodianShare.objects.create(opening_key=opening_key, custodian=u, role=role, index=index,
                                          sealed_share=sealed_share, share_sha256=digest)
        ledger_record(
            kind="opening_key.created", subject=tx.code,
            actor=ledger_actor(Role.CLERK, user.ledger_name()) if user else ledger_actor("system", "platform"),
            data={
                "round": tx.round,
                "public_key": public_key.hex(),
                "suite": crypto.SUITE_NAME,
                "k": k,
                "n": len(custodians),
                "custodians": [{"role": role, "name": _nfc(u.ledger_name())} for u, role in custodians],
                "share_sha256": [digest for _i, _s, digest in sealed],
            },
        )
    return opening_key


# --- invitations ------------------------------------------------------------------------------

def invitations_create(*, transaction, companies, method) -> list[Invitation]:
    """Invite `companies` to quote in the current round. Secret until the quotes are
    opened: no ledger entry names or counts them (the supplier draw's reveal does, then)."""
    tx = transaction
    if method not in InvitationMethod.values:
        raise InvalidInput(_("unknown invitation method: %(method)s") % {"method": method}, field="method")
    companies = list(companies)
    if not companies or not all(isinstance(c, Company) for c in companies):
        raise InvalidInput(_("name the suppliers to invite"), field="companies")
    if len({c.pk for c in companies}) != len(companies):
        raise InvalidInput(_("a supplier is named twice among the invitees"), field="companies")
    stage = tx.suspended_from if tx.stage == "suspended" else tx.stage
    if stage not in INVITING_STAGES:
        raise StageConflict(_("%(code)s no longer receives quotes in this round: nobody can be invited")
                            % {"code": tx.code}, stage=tx.stage)
    now = clock.now()
    with db_transaction.atomic():
        invited = set(Invitation.objects.filter(transaction=tx, round=tx.round, company__in=companies)
                      .values_list("company_id", flat=True))
        Invitation.objects.bulk_create([
            Invitation(transaction=tx, round=tx.round, company=c, method=method, invited_at=now)
            for c in companies if c.pk not in invited
        ])
        return list(Invitation.objects.filter(transaction=tx, round=tx.round, company__in=companies)
                    .select_related("company"))


# --- quotes -----------------------------------------------------------------------------------

def _clean_idempotency_key(value) -> str:
    key = (value or "").strip()
    if key and not IDEMPOTENCY_KEY_RE.fullmatch(key):
        raise InvalidInput(_("an idempotency key is 1 to 100 printable ASCII characters without spaces"),
                           field="idempotency_key")
    return key


def _check_envelope(envelope) -> bytes:
    if not isinstance(envelope, bytes | bytearray | memoryview):
        raise InvalidInput(_("the envelope is the sealed quote's bytes"), field="envelope")
    envelope = bytes(envelope)
    if len(envelope) != crypto.ENVELOPE_SIZE:
        raise InvalidInput(
            _("a sealed quote is exactly %(size)d bytes (HPKE envelope of a padded quote); this one has %(given)d: "
              "seal it with the opening key (python -m bidding.seal)") % {"size": crypto.ENVELOPE_SIZE,
                                                                         "given": len(envelope)},
            field="envelope")
    return envelope


def quote_submit(*, transaction, company, envelope: bytes, user, idempotency_key: str = "") -> Quote:
    """Accept the sealed quote `envelope` of `company` (represented by `user`) in the
    current round, before the deadline by the server clock; returns the quote with its
    signed receipt. The same idempotency key with the same envelope returns the quote
    already accepted."""
    return _quote_accept(transaction=transaction, company=company, user=user,
                         idempotency_key=idempotency_key, envelope=_check_envelope(envelope))


@sensitive_variables("price", "amount", "seal")
def quote_seal_for_web(*, transaction, company, price, user, idempotency_key: str = "") -> Quote:
    """The web page's path: seal `price` in memory on the server with the round's opening
    key (the plaintext is never stored or logged), then accept it as `quote_submit` does.
    The same idempotency key (one per rendering of the form) returns the quote already
    accepted: a double click is not a second quote."""
    amount = parse_yuan(price, field=_("price"))

    @sensitive_variables("amount")
    def seal(opening_key, tx):
        try:
            return crypto.seal_quote(bytes(opening_key.public_key), origin=settings.LEDGER_ORIGIN, code=tx.code,
                                     supplier=company.uscc, price=amount)
        except ValueError as exc:
            # `from None`: an error report must not show crypto's frames, whose locals
            # hold the plaintext.
            raise InvalidInput(_("the quote cannot be sealed: %(reason)s") % {"reason": str(exc)}) from None

    return _quote_accept(transaction=transaction, company=company, user=user,
                         idempotency_key=idempotency_key, seal=seal)


def _quote_accept(*, transaction, company, user, idempotency_key, envelope=None, seal=None) -> Quote:
    # The server's clock decides, at the quote's arrival: not after it has waited for the
    # row lock behind other quotes (at a busy deadline that wait is up to a second). The
    # closing waits QUOTE_CLOSE_GRACE for quotes that arrived in time to be taken in.
    arrived = clock.procedure_now(transaction)
    key = _clean_idempotency_key(idempotency_key)
    with db_transaction.atomic():
        # The row lock orders this acceptance and the deadline's closing (bids_close).
        tx = _lock(transaction)
        if not company.representatives.filter(pk=user.pk).exists():
            raise NotPermitted(_("you do not represent %(company)s") % {"company": company.name})
        if not Invitation.objects.filter(transaction=tx, round=tx.round, company=company).exists():
            raise NotPermitted(_("%(company)s is not invited to quote in %(code)s (round %(round)d)")
                               % {"company": company.name, "code": tx.code, "round": tx.round})
        existing = Quote.objects.filter(transaction=tx, round=tx.round, company=company).first()
        if existing is not None and key and existing.idempotency_key == key:
            if envelope is None or bytes(existing.envelope) == envelope:
                existing.replayed = True
                return existing
            raise InvalidInput(_("this idempotency key was used for another envelope: a quote cannot be changed; "
                                 "use a new key only for a new quote"), field="idempotency_key")
        if tx.stage != "quoting":
            raise StageConflict(_("%(code)s is at stage “%(stage)s”: quotes are received only while quoting")
                                % {"code": tx.code, "stage": tx.stage_label()}, stage=tx.stage)
        deadline = quote_deadline_of(tx)
        received_at = arrived
        if deadline is None or received_at >= deadline:
            raise RuleViolation(
                _("the quote deadline %(deadline)s has passed; received at %(received)s (%(source)s)")
                % {"deadline": _local(deadline, precise=True) if deadline else "—",
                   "received": _local(received_at, precise=True), "source": DEADLINE},
                rule="sealed.deadline")
        if existing is not None:
            raise RuleViolation(
                _("%(company)s has quoted already (received %(at)s); each supplier gives one quote, which it "
                  "cannot change (%(source)s)")
                % {"company": company.name, "at": _local(existing.received_at, precise=True), "source": ONE_QUOTE},
                rule="sealed.one_quote")
        opening_key = OpeningKey.objects.filter(transaction=tx, round=tx.round).first()
        if opening_key is None:
            raise StageConflict(_("round %(round)d of %(code)s has no opening key: nothing can be sealed to it")
                                % {"round": tx.round, "code": tx.code})
        if envelope is None:
            envelope = seal(opening_key, tx)
        commitment = crypto.commitment(envelope)
        if Quote.objects.filter(commitment=commitment).exists():
            raise InvalidInput(_("this very envelope was received already; a quote is sealed afresh for each "
                                 "submission"), field="envelope")
        text = format_receipt(settings.LEDGER_ORIGIN, tx.code, commitment, received_at)
        try:
            with db_transaction.atomic():
                quote = Quote.objects.create(
                    transaction=tx, round=tx.round, company=company, envelope=envelope, commitment=commitment,
                    received_at=received_at, receipt=get_signer().sign_note(text), idempotency_key=key,
                    submitted_by=user)
        except IntegrityError:
            # The row lock makes this unreachable; the constraint is the last line of defence.
            raise RuleViolation(_("each supplier gives one quote, which it cannot change (%(source)s)")
                                % {"source": ONE_QUOTE}, rule="sealed.one_quote") from None
    quote.replayed = False
    return quote


# --- the deadline: bids.closed -----------------------------------------------------------------

def bids_close(*, transaction) -> list[str]:
    """At the deadline (called by the procedure's closing move, inside its transaction):
    the `bids.closed` entry of LEDGER.md section 2 listing the commitment of every quote
    accepted in the round. Returns the sorted commitments."""
    with db_transaction.atomic():
        tx = _lock(transaction)
        deadline = quote_deadline_of(tx)
        if deadline is None or clock.procedure_now(tx) < deadline:
            raise RuleViolation(_("quotes are closed when the deadline has passed (%(deadline)s)")
                                % {"deadline": _local(deadline) if deadline else "—"}, rule="sealed.close_after_deadline")
        commitments = sorted(Quote.objects.filter(transaction=tx, round=tx.round)
                             .values_list("commitment", flat=True))
        ledger_record(
            kind="bids.closed", subject=tx.code, actor=ledger_actor("system", "scheduler"),
            data={"count": len(commitments), "commitments": commitments, "round": tx.round,
                  "deadline": format_ts(deadline)},
        )
    return commitments


# --- the opening --------------------------------------------------------------------------------

@sensitive_variables("secrets", "given", "passphrase", "custodian_private", "private_key", "value", "opened_shares")
def quotes_open(*, transaction, secrets, opened_by) -> Opening:
    """Open the current round's quotes with the passphrases of at least k custodians
    [(user, passphrase), ...]: the opening key is rebuilt in memory, every envelope is
    decrypted, and each gives an `opened` or `failed` record (the opening goes on). The
    `bids.opened` entry publishes the record; a checkpoint is signed after the commit."""
    with db_transaction.atomic():
        tx = _lock(transaction)
        if not _holds(opened_by, Role.CLERK, tx):
            raise NotPermitted(_("the opening is run by a clerk of %(station)s") % {"station": tx.station})
        if tx.stage not in OPENING_STAGES:
            raise StageConflict(_("%(code)s is at stage “%(stage)s”: quotes are opened after they are closed")
                                % {"code": tx.code, "stage": tx.stage_label()}, stage=tx.stage)
        deadline = quote_deadline_of(tx)
        if deadline is None or clock.procedure_now(tx) < deadline:
            raise RuleViolation(_("quotes are opened only after the deadline (%(deadline)s; %(source)s)")
                                % {"deadline": _local(deadline) if deadline else "—", "source": SEALED_BIDS},
                                rule="sealed.open_after_deadline")
        if Opening.objects.filter(transaction=tx, round=tx.round).exists():
            raise StageConflict(_("round %(round)d of %(code)s is opened already") % {"round": tx.round, "code": tx.code})
        opening_key = OpeningKey.objects.filter(transaction=tx, round=tx.round).first()
        if opening_key is None:
            raise RuleViolation(_("round %(round)d of %(code)s has no opening key") % {"round": tx.round, "code": tx.code},
                                rule="sealed.no_opening_key")
        shares = {s.custodian_id: s for s in opening_key.shares.select_related("custodian")}
        given = {}
        for user, passphrase in secrets:
            if user.pk in given:
                raise InvalidInput(_("%(who)s is named twice") % {"who": _who(user)})
            if user.pk not in shares:
                raise RuleViolation(_("%(who)s holds no share of the opening key of %(code)s")
                                    % {"who": _who(user), "code": tx.code}, rule="sealed.not_custodian")
            given[user.pk] = passphrase
        if len(given) < opening_key.k:
            raise RuleViolation(
                _("the opening needs %(k)d of the %(n)d custodians (%(source)s); present: %(given)d. "
                  "Custodians: %(names)s")
                % {"k": opening_key.k, "n": opening_key.n, "source": SEALED_BIDS, "given": len(given),
                   "names": ", ".join(_who(s.custodian, s.role) for s in shares.values())},
                rule="sealed.custodians_present")
        keys = {key.user_id: key for key in CustodianKey.objects.filter(user_id__in=given)}
        opened_shares = []
        for user_id, passphrase in given.items():
            share = shares[user_id]
            key = keys.get(user_id)
            try:
                if key is None:
                    raise crypto.CustodianSecretError("no custodian key")
                custodian_private = crypto.unlock_custodian_key(_protected(key), passphrase,
                                                                label=custodian_label(share.custodian))
                value = crypto.open_share(bytes(share.sealed_share), custodian_private, tx.code, opening_key.round,
                                          OFFER_PART, share.index)
            except crypto.CustodianSecretError:
                raise RuleViolation(
                    _("the passphrase of %(who)s does not unlock its custodian key: nothing was opened")
                    % {"who": _who(share.custodian, share.role)}, rule="sealed.custodian_passphrase_wrong",
                ) from None
            if crypto.share_digest(value) != share.share_sha256:
                raise RuleViolation(_("the share of %(who)s is not the one published when the key was made")
                                    % {"who": _who(share.custodian, share.role)}, rule="sealed.share_mismatch")
            opened_shares.append((share.index, value))
        try:
            private_key = crypto.rebuild_opening_key(opened_shares, bytes(opening_key.public_key))
        except crypto.CustodianSecretError:
            raise RuleViolation(_("the custodians' shares do not give the opening key of %(code)s")
                                % {"code": tx.code}, rule="sealed.shares_do_not_open") from None
        opening = Opening.objects.create(transaction=tx, round=tx.round, opened_at=clock.now(), opened_by=opened_by)
        opening.custodians.set([shares[user_id].custodian for user_id in given])
        records = []
        for quote in (Quote.objects.filter(transaction=tx, round=tx.round).select_related("company")
                      .order_by("received_at", "pk")):
            try:
                content = crypto.open_quote(bytes(quote.envelope), private_key, origin=settings.LEDGER_ORIGIN,
                                            code=tx.code, supplier=quote.company.uscc)
            except crypto.EnvelopeError as exc:
                record = OpeningRecord(opening=opening, quote=quote, outcome=OpeningRecord.FAILED,
                                       reason=str(exc)[:200])
            else:
                record = OpeningRecord(opening=opening, quote=quote, outcome=OpeningRecord.OPENED,
                                       price=content.price)
            records.append(record)
        OpeningRecord.objects.bulk_create(records)
        ledger_record(
            kind="bids.opened", subject=tx.code, actor=ledger_actor(Role.CLERK, opened_by.ledger_name()),
            data={
                "round": tx.round,
                "custodians": [{"role": shares[user_id].role, "name": _nfc(shares[user_id].custodian.ledger_name())}
                               for user_id in given],
                "records": [{
                    "supplier": _nfc(r.quote.company.name),
                    "uscc": r.quote.company.uscc,
                    "commitment": r.quote.commitment,
                    "outcome": r.outcome,
                    "price": f"{r.price:.2f}" if r.price is not None else None,
                    "reason": r.reason or None,
                } for r in records],
            },
        )
        # LEDGER.md section 5: a new checkpoint at every bid opening.
        db_transaction.on_commit(ledger_checkpoint_now)
    return opening
