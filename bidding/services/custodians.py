"""Custodians and opening keys (docs/sealed-bids.md).

* `custodian_key_set`: a clerk, supervisor or purchaser's representative sets the
  passphrase that alone unlocks its custodian key; replacing a key needs the login
  password and is ledgered (`custodian_key.set`).
* `opening_key_create`: the opening key of one part of a round's offers, split k-of-n
  among custodians of different roles; its private half exists only in memory during the
  call (`opening_key.created`).
* `share_bundle`: what a custodian's own device needs to decrypt its share of one round
  (its protected key and its sealed share): the passphrase never reaches the server at an
  opening, and what the server receives there (the share) opens that round only.
"""

import unicodedata

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction as db_transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record
from trading import clock, rulesets
from trading.errors import NotPermitted, RuleViolation, StageConflict
from trading.models import Role
from trading.services.people import person_subject

from .. import crypto
from ..models import BidRound, CustodianKey, CustodianShare, OpeningKey
from ..selectors_sealed import CUSTODIAN_ROLES, custodian_roles_of, shares_still_needed

SEALED_BIDS = gettext_lazy("platform rule: sealed bids, DOMAIN.md “Sealed bids”, docs/sealed-bids.md")
PASSPHRASE_RULES = gettext_lazy("custodian passphrase rules, docs/sealed-bids.md")


def _role_label(role) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return str(role)


def who(user, role=None) -> str:
    return f"{user.ledger_name()} ({_role_label(role)})" if role else user.ledger_name()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def holds(user, role, tx) -> bool:
    for m in user.memberships.all():
        if m.role == role and m.station_id == tx.station_id:
            if role != Role.PURCHASER or m.unit_id == tx.unit_id:
                return True
    return False


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


@sensitive_variables("passphrase", "password")
def custodian_key_set(*, user, passphrase: str, password: str | None = None) -> CustodianKey:
    """Set the custodian key of `user`, whose private half only `passphrase` unlocks (the
    passphrase is never stored). Replacing an existing key needs the user's login password
    and no pending opening that needs the old one; either is ledgered."""
    roles = custodian_roles_of(user)
    if not roles:
        raise NotPermitted(_("custodian keys are held by clerks, supervisors and purchasers' representatives"))
    _check_passphrase(user, passphrase)
    if CustodianKey.objects.filter(user=user).exists() and not (password and user.check_password(password)):
        raise NotPermitted(_("replacing your custodian key needs your login password (%(source)s)")
                           % {"source": SEALED_BIDS}, field="password")
    # The slow part (scrypt) before the database transaction, so no lock is held meanwhile.
    protected = crypto.make_custodian_key(passphrase, label=custodian_label(user),
                                          log2_n=settings.CUSTODIAN_SCRYPT_LOG2_N)
    with db_transaction.atomic():
        existing = CustodianKey.objects.select_for_update().filter(user=user).first()
        if existing is not None:
            needed = shares_still_needed(user)
            if needed:
                codes = ", ".join(sorted({_("%(code)s (round %(round)d)")
                                          % {"code": s.opening_key.bid_round.transaction.code,
                                             "round": s.opening_key.bid_round.procedure_round}
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
        role = sorted(roles)[0]
        ledger_record(kind="custodian_key.set", subject=person_subject(user),
                      actor=ledger_actor(role, user.ledger_name()),
                      data={"fingerprint": crypto.commitment(bytes(key.public_key))[:16],
                            "replaced": existing is not None})
    return key


def protected_key(key: CustodianKey) -> crypto.ProtectedKey:
    return crypto.ProtectedKey(public_key=bytes(key.public_key), salt=bytes(key.salt), nonce=bytes(key.nonce),
                               ciphertext=bytes(key.ciphertext))


def _custodian_rule(tx, name, default):
    """k or n from the rule set in force, its source for messages."""
    try:
        rule_set = tx.rule_set or rulesets.in_force(tx.station, tx.type)
        return int(rulesets.param(rule_set, name)), rulesets.source(rule_set, name)
    except (LookupError, RuleViolation):
        return default, str(SEALED_BIDS)


def opening_key_create(*, bid_round: BidRound, custodians, k: int | None = None, part: str = "offer",
                       user=None) -> OpeningKey:
    """The opening key of `part` of the round's offers, split k-of-n among `custodians`, a
    list of (user, role) of different roles (default 2 of 3: the clerk, a supervisor, the
    purchaser's representative). Each custodian must have set its custodian key. `user` is
    the official who issues the notice (the ledger's actor)."""
    tx = bid_round.transaction
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
        if not holds(u, role, tx):
            raise RuleViolation(_("%(who)s does not hold that role for %(code)s")
                                % {"who": who(u, role), "code": tx.code}, rule="sealed.custodian_roles")
    with db_transaction.atomic():
        keys = {key.user_id: key for key in
                CustodianKey.objects.select_for_update().filter(user__in=[u for u, _r in custodians])}
        missing = [who(u, role) for u, role in custodians if u.pk not in keys]
        if missing:
            raise RuleViolation(
                _("every custodian sets a custodian passphrase before the opening key is made; still to do it "
                  "(page “My custodian key”): %(names)s") % {"names": ", ".join(missing)},
                rule="sealed.custodian_key_missing")
        if OpeningKey.objects.filter(bid_round=bid_round, part=part).exists():
            raise StageConflict(_("round %(round)d of %(code)s already has its opening key")
                                % {"round": bid_round.procedure_round, "code": tx.code})
        public_key, sealed = crypto.make_opening_key(
            tx.code, bid_round.seq, part, [bytes(keys[u.pk].public_key) for u, _r in custodians], k)
        opening_key = OpeningKey.objects.create(bid_round=bid_round, part=part, public_key=public_key,
                                                k=k, n=len(custodians))
        for (u, role), (index, sealed_share, digest) in zip(custodians, sealed, strict=True):
            CustodianShare.objects.create(opening_key=opening_key, custodian=u, role=role, index=index,
                                          sealed_share=sealed_share, share_sha256=digest)
        data = {
            "round": bid_round.procedure_round,
            "public_key": public_key.hex(),
            "suite": crypto.SUITE_NAME,
            "k": k,
            "n": len(custodians),
            "custodians": [{"role": role, "name": nfc(u.ledger_name())} for u, role in custodians],
            "share_sha256": [digest for _i, _s, digest in sealed],
        }
        if bid_round.seq != bid_round.procedure_round:
            data["bid_round"] = bid_round.seq
        if part != "offer":
            data["part"] = part
        ledger_record(
            kind="opening_key.created", subject=tx.code,
            actor=ledger_actor(Role.CLERK, user.ledger_name()) if user else ledger_actor("system", "platform"),
            data=data,
        )
    return opening_key


def share_bundle(share: CustodianShare) -> dict:
    """What the custodian's own device needs to decrypt its share of one round: its
    protected custodian key and the sealed share (bidding.crypto.parse_bundle)."""
    key = CustodianKey.objects.get(user_id=share.custodian_id)
    opening_key = share.opening_key
    bid_round = opening_key.bid_round
    return crypto.bundle_dict(
        code=bid_round.transaction.code, round_seq=bid_round.seq, part=opening_key.part, index=share.index,
        label=custodian_label(share.custodian), key=protected_key(key),
        sealed_share=bytes(share.sealed_share), share_sha256=share.share_sha256)

