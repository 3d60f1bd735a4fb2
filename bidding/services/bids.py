"""Sealed offers: accepted before the deadline by the server's clock, with a signed receipt
at once (LEDGER.md section 6), replaced or withdrawn where the round's policy allows.

* `bid_submit`: an envelope sealed by the bidder (`python -m bidding.seal`), checked for
  what can be refused without opening it (size, a usable HPKE encapsulated key);
* `bid_seal_for_web`: the web page's path, which seals a price in memory on the server;
* `bid_seal_documents_for_web`: the same for a part that holds the SHA-256 of documents
  (e.g. the technical part of a two-envelope bid);
* `bid_withdraw`: a withdrawal with its own signed receipt (withdrawable rounds);
* `bid_confirm`: after a change of the documents (the round's documents version), the
  bidder confirms its offer stands, with a signed confirmation receipt.

Nothing here writes a ledger entry or shows anyone else that an offer arrived: who bid and
how many is secret until the round closes (`bids.closed`, bidding/services/rounds.py).
Each function is one database transaction; the transaction's row lock orders acceptances
and the closing.
"""

import re
import unicodedata

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from django.conf import settings
from django.db import IntegrityError
from django.db import transaction as db_transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from ledger.core.checkpoint import format_receipt
from ledger.core.entry import format_ts
from ledger.signing import get_signer
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Transaction
from trading.money import parse_yuan

from .. import crypto
from ..models import Admission, Bid, BidPolicy, BidRound, BidStatus, Company, OpeningKey
from ..selectors_sealed import representing_since

ONE_QUOTE = gettext_lazy("政府采购法第四十条(三): 被询价的供应商一次报出不得更改的价格 "
                         "(Government Procurement Law art. 40(3): one price, which cannot be changed)")
DEADLINE = gettext_lazy("the notice's deadline; offers after it are refused "
                        "(招标投标法第二十八条 by analogy; the platform's clock decides)")
SEALED_BIDS = gettext_lazy("platform rule: sealed bids, DOMAIN.md “Sealed bids”, docs/sealed-bids.md")
REPRESENTED_AT_OFFER = gettext_lazy("platform rule: a representative acts on the offers made since it joined the "
                                    "company, docs/accounts.md")
IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e]{1,100}")


def _local(moment, *, precise=False) -> str:
    fmt = "%Y-%m-%d %H:%M:%S.%f" if precise else "%Y-%m-%d %H:%M"
    return timezone.localtime(moment).strftime(fmt)


def _clean_idempotency_key(value) -> str:
    key = (value or "").strip() if isinstance(value, str) else ""
    if key and not IDEMPOTENCY_KEY_RE.fullmatch(key):
        raise InvalidInput(_("an idempotency key is 1 to 100 printable ASCII characters without spaces"),
                           field="idempotency_key")
    return key


def check_envelope(envelope) -> bytes:
    """What can be refused without opening: the envelope's size (every sealed offer has the
    same), and its HPKE encapsulated key (the first 32 bytes) being an X25519 public key
    that gives a shared secret (a low-order point gives none: nobody could open it)."""
    if not isinstance(envelope, bytes | bytearray | memoryview):
        raise InvalidInput(_("the envelope is the sealed quote's bytes"), field="envelope")
    envelope = bytes(envelope)
    if len(envelope) != crypto.ENVELOPE_SIZE:
        raise InvalidInput(
            _("a sealed quote is exactly %(size)d bytes (HPKE envelope of a padded quote); this one has %(given)d: "
              "seal it with the opening key (python -m bidding.seal)") % {"size": crypto.ENVELOPE_SIZE,
                                                                         "given": len(envelope)},
            field="envelope")
    try:
        X25519PrivateKey.generate().exchange(X25519PublicKey.from_public_bytes(envelope[:32]))
    except ValueError:
        raise InvalidInput(
            _("this envelope cannot be opened by anyone: its HPKE encapsulated key (the first 32 bytes) is not a "
              "usable X25519 public key (RFC 9180 section 7.1.4); seal the quote again with python -m bidding.seal"),
            field="envelope") from None
    return envelope


def related_live_bid(bid_round, company) -> Bid | None:
    """A live offer in the round of a party related to `company`: the same legal
    representative, or one controlling the other (bidding.models.Company), as recorded now."""
    company = Company.objects.get(pk=company.pk)
    related = Q(company__controlled_by=company)
    if company.controlled_by_id:
        related |= Q(company_id=company.controlled_by_id)
    representative = unicodedata.normalize("NFKC", company.legal_representative or "").strip()
    if representative:
        related |= Q(company__legal_representative=representative)
    return (Bid.objects.filter(bid_round=bid_round, status=BidStatus.LIVE).exclude(company=company)
            .filter(related).first())


def _lock_round(bid_round) -> tuple[Transaction, BidRound]:
    tx = Transaction.objects.select_for_update().filter(pk=bid_round.transaction_id).first()
    if tx is None:
        raise InvalidInput(_("no such transaction"))
    return tx.as_procedure(), BidRound.objects.get(pk=bid_round.pk)


def bid_submit(*, bid_round, company, envelope: bytes, user, idempotency_key: str = "", part: str = "offer") -> Bid:
    """Accept the sealed offer `envelope` of `company` (represented by `user`) in the round,
    before its deadline by the server clock; returns the bid with its signed receipt. The
    same idempotency key with the same envelope returns the bid already accepted."""
    return _accept(bid_round=bid_round, company=company, user=user, part=part,
                   idempotency_key=idempotency_key, envelope=check_envelope(envelope))


@sensitive_variables("price", "amount", "seal")
def bid_seal_for_web(*, bid_round, company, price, user, idempotency_key: str = "", part: str = "offer") -> Bid:
    """The web page's path: seal `price` in memory on the server with the round's opening
    key (the plaintext is never stored or logged), then accept it as `bid_submit` does.
    The same idempotency key (one per rendering of the form) returns the offer already
    accepted: a double click is not a second offer."""
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

    return _accept(bid_round=bid_round, company=company, user=user, part=part,
                   idempotency_key=idempotency_key, seal=seal)


def bid_seal_documents_for_web(*, bid_round, company, documents_sha256, user, idempotency_key: str = "",
                               part: str) -> Bid:
    """The web page's path for a part that holds the SHA-256 of the bidder's documents
    (64 lowercase hex digits), sealed on the server with that part's opening key."""

    def seal(opening_key, tx):
        try:
            return crypto.seal_documents(bytes(opening_key.public_key), origin=settings.LEDGER_ORIGIN, code=tx.code,
                                         supplier=company.uscc, sha256=documents_sha256)
        except ValueError as exc:
            raise InvalidInput(_("the envelope cannot be sealed: %(reason)s") % {"reason": str(exc)}) from None

    return _accept(bid_round=bid_round, company=company, user=user, part=part,
                   idempotency_key=idempotency_key, seal=seal)


def _accept(*, bid_round, company, user, part, idempotency_key, envelope=None, seal=None) -> Bid:
    # The server's clock decides, at the offer's arrival: not after it has waited for the
    # row lock behind other offers (at a busy deadline that wait is up to a second). The
    # closing waits the round's grace for offers that arrived in time to be taken in.
    arrived = clock.now()
    key = _clean_idempotency_key(idempotency_key)
    with db_transaction.atomic():
        tx, bid_round = _lock_round(bid_round)
        since = representing_since(user, company)
        if since is None:
            raise NotPermitted(_("you do not represent %(company)s") % {"company": company.name})
        if part not in bid_round.part_names:
            raise InvalidInput(_("an offer of this round has the parts %(parts)s")
                               % {"parts": ", ".join(bid_round.part_names)}, field="part")
        if not Admission.objects.filter(bid_round=bid_round, company=company).exists():
            raise NotPermitted(_("%(company)s is not invited to quote in %(code)s (round %(round)d)")
                               % {"company": company.name, "code": tx.code, "round": bid_round.procedure_round})
        existing = Bid.objects.filter(bid_round=bid_round, company=company, part=part,
                                      status=BidStatus.LIVE).first()
        if key:
            replay = Bid.objects.filter(bid_round=bid_round, company=company, part=part, idempotency_key=key).first()
            if replay is not None:
                if envelope is None or bytes(replay.envelope) == envelope:
                    replay.replayed = True
                    return replay
                raise InvalidInput(_("this idempotency key was used for another envelope: a quote cannot be changed; "
                                     "use a new key only for a new quote"), field="idempotency_key")
        if not tx.is_live() or bid_round.closed_at is not None or arrived < bid_round.opens_at:
            raise StageConflict(_("%(code)s is at stage “%(stage)s”: quotes are received only while quoting")
                                % {"code": tx.code, "stage": tx.stage_label()}, stage=tx.stage)
        if arrived >= bid_round.deadline:
            raise RuleViolation(
                _("the quote deadline %(deadline)s has passed; received at %(received)s (%(source)s)")
                % {"deadline": _local(bid_round.deadline, precise=True), "received": _local(arrived, precise=True),
                   "source": DEADLINE},
                rule="sealed.deadline")
        if bid_round.related_parties_rule and existing is None and related_live_bid(bid_round, company):
            # Not named: who bid is secret until the round closes.
            raise RuleViolation(
                _("a company related to %(company)s (the same legal representative, or one controlling the other) "
                  "already has an offer in this round: related parties cannot both bid (%(source)s)")
                % {"company": company.name, "source": bid_round.related_parties_rule},
                rule="sealed.related_parties")
        if existing is not None and existing.received_at < since:
            # A representative who joined later neither replaces nor learns when the offer
            # came (issue 8, finding 4): the offer stays with those who made it.
            raise RuleViolation(
                _("%(company)s already has an offer in this round, made before you became its representative: only "
                  "a representative it had then may act on it (%(source)s)")
                % {"company": company.name, "source": REPRESENTED_AT_OFFER}, rule="sealed.represented_at_offer")
        if existing is not None and bid_round.policy == BidPolicy.ONCE:
            raise RuleViolation(
                _("%(company)s has quoted already (received %(at)s); each supplier gives one quote, which it "
                  "cannot change (%(source)s)")
                % {"company": company.name, "at": _local(existing.received_at, precise=True), "source": ONE_QUOTE},
                rule="sealed.one_quote")
        opening_key = OpeningKey.objects.filter(bid_round=bid_round, part=part).first()
        if opening_key is None:
            raise StageConflict(_("round %(round)d of %(code)s has no opening key: nothing can be sealed to it")
                                % {"round": bid_round.procedure_round, "code": tx.code})
        if envelope is None:
            envelope = seal(opening_key, tx)
        commitment = crypto.commitment(envelope)
        if Bid.objects.filter(commitment=commitment).exists():
            raise InvalidInput(_("this very envelope was received already; a quote is sealed afresh for each "
                                 "submission"), field="envelope")
        text = format_receipt(settings.LEDGER_ORIGIN, tx.code, commitment, arrived)
        if existing is not None:  # a replaceable round: the earlier offer is superseded
            existing.status, existing.superseded_at = BidStatus.SUPERSEDED, arrived
            existing.save(update_fields=["status", "superseded_at"])
        try:
            with db_transaction.atomic():
                bid = Bid.objects.create(
                    bid_round=bid_round, transaction=tx, company=company, part=part, envelope=envelope,
                    commitment=commitment, received_at=arrived, receipt=get_signer().sign_note(text),
                    idempotency_key=key, submitted_by=user, bidder_uscc=company.uscc, bidder_name=company.name,
                    documents_version=bid_round.documents_version)
        except IntegrityError:
            # The row lock makes this unreachable; the constraint is the last line of defence.
            raise RuleViolation(_("each supplier gives one quote, which it cannot change (%(source)s)")
                                % {"source": ONE_QUOTE}, rule="sealed.one_quote") from None
    bid.replayed = False
    return bid


def withdrawal_text(origin: str, code: str, commitment: str, moment) -> str:
    """The signed withdrawal receipt: the station's promise that the offer with this
    commitment is not opened (listed as withdrawn in `bids.closed`)."""
    return f"{origin} bid withdrawal\n{code}\n{commitment}\n{format_ts(moment)}\n"


def bid_withdraw(*, bid_round, company, user, part: str = "offer") -> Bid:
    """Withdraw the company's live offer before the deadline, where the round allows it."""
    now = clock.now()
    with db_transaction.atomic():
        tx, bid_round = _lock_round(bid_round)
        if representing_since(user, company) is None:
            raise NotPermitted(_("you do not represent %(company)s") % {"company": company.name})
        if bid_round.policy != BidPolicy.WITHDRAWABLE:
            raise RuleViolation(_("offers of this round cannot be withdrawn (%(source)s)") % {"source": SEALED_BIDS},
                                rule="sealed.withdraw_not_allowed")
        if bid_round.closed_at is not None or now >= bid_round.deadline:
            raise RuleViolation(_("an offer is withdrawn before the deadline %(deadline)s (%(source)s)")
                                % {"deadline": _local(bid_round.deadline), "source": DEADLINE},
                                rule="sealed.deadline")
        bid = Bid.objects.filter(bid_round=bid_round, company=company, part=part, status=BidStatus.LIVE,
                                 received_at__gte=representing_since(user, company)).first()
        if bid is None:
            raise InvalidInput(_("%(company)s has no offer to withdraw in this round") % {"company": company.name})
        bid.status, bid.withdrawn_at = BidStatus.WITHDRAWN, now
        bid.withdrawal_receipt = get_signer().sign_note(
            withdrawal_text(settings.LEDGER_ORIGIN, tx.code, bid.commitment, now))
        bid.save(update_fields=["status", "withdrawn_at", "withdrawal_receipt"])
    return bid


def confirmation_text(origin: str, code: str, commitment: str, version: int, moment) -> str:
    """The signed confirmation receipt: the station's promise that the offer with this
    commitment answers documents version `version` and is opened as such."""
    return f"{origin} bid confirmation\n{code}\n{commitment}\ndocuments version {version}\n{format_ts(moment)}\n"


def bid_confirm(*, bid_round, company, user) -> list[Bid]:
    """The company confirms that its live offer (every part of it) stands under the round's
    current documents, before the deadline; each envelope gets a signed confirmation
    receipt. Nothing is ledgered: who bid is secret until the round closes."""
    now = clock.now()
    with db_transaction.atomic():
        tx, bid_round = _lock_round(bid_round)
        since = representing_since(user, company)
        if since is None:
            raise NotPermitted(_("you do not represent %(company)s") % {"company": company.name})
        if bid_round.closed_at is not None or now >= bid_round.deadline:
            raise RuleViolation(_("an offer is confirmed before the deadline %(deadline)s (%(source)s)")
                                % {"deadline": _local(bid_round.deadline), "source": DEADLINE},
                                rule="sealed.deadline")
        bids = list(Bid.objects.filter(bid_round=bid_round, company=company, status=BidStatus.LIVE,
                                       received_at__gte=since, documents_version__lt=bid_round.documents_version))
        if not bids:
            raise InvalidInput(_("%(company)s has no offer sealed under earlier documents to confirm")
                               % {"company": company.name})
        for bid in bids:
            bid.documents_version, bid.confirmed_at = bid_round.documents_version, now
            bid.confirmation_receipt = get_signer().sign_note(
                confirmation_text(settings.LEDGER_ORIGIN, tx.code, bid.commitment, bid_round.documents_version, now))
            bid.save(update_fields=["documents_version", "confirmed_at", "confirmation_receipt"])
    return bids
