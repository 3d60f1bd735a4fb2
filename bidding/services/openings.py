"""Opening a part of a round's offers (DOMAIN.md "Sealed bids", docs/sealed-bids.md).

At least k custodians present their shares of the round's opening key, each decrypted on
the custodian's own device from its passphrase (the server never receives a passphrase,
and a share opens this round only). The key is rebuilt in memory, every live envelope is
decrypted and gives an `opened` or `failed` record (an envelope that does not open is
recorded as such and the opening goes on), or is left sealed with an `unopened` record and
its reason (sealed under documents that changed since and not confirmed; or withheld by
the procedure, e.g. a price part whose technical part did not pass), `bids.opened` publishes the record and a
checkpoint is signed at once (LEDGER.md section 5).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction as db_transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record
from ledger.sequencer import ledger_checkpoint_now
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Role, Transaction

from .. import crypto
from ..models import Bid, BidRound, BidStatus, CustodianShare, Opening, OpeningKey, OpeningRecord
from .custodians import SEALED_BIDS, holds, nfc, who

# Wrong shares a custodian may present for one opening key before it waits.
SHARE_TRIES = 5
SHARE_TRY_PAUSE = timedelta(minutes=15)

NOT_CONFIRMED = "not confirmed after the documents changed"
# What a part's envelopes hold: a price (a quote) or the SHA-256 of documents.
CONTENTS = ("quote", "documents")

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
    "the envelope decrypts but does not hold the SHA-256 of documents":
        gettext_lazy("the envelope decrypts but does not hold the SHA-256 of documents"),
    "the envelope inside names another transaction": gettext_lazy("the envelope inside names another transaction"),
    "the envelope inside names another supplier": gettext_lazy("the envelope inside names another supplier"),
    NOT_CONFIRMED: gettext_lazy("not confirmed after the documents changed"),
}


def reason_label(reason: str) -> str:
    return str(REASONS.get(reason, reason))


def add_reasons(reasons: dict) -> None:
    """A procedure's own reasons for withholding an envelope ({English: lazy translation})."""
    REASONS.update(reasons)


def parse_share(value) -> bytes:
    """A share as the custodian's device shows it: hexadecimal (spaces allowed)."""
    text = "".join(str(value or "").split()).lower()
    try:
        share = bytes.fromhex(text)
    except ValueError:
        raise InvalidInput(_("a custodian's share is hexadecimal digits, as the opening page or "
                             "python -m bidding.custodian shows it"), field="shares") from None
    if not 2 <= len(share) <= 128:
        raise InvalidInput(_("a custodian's share is hexadecimal digits, as the opening page or "
                           "python -m bidding.custodian shows it"), field="shares")
    return share


def _check_shares(opening_key: OpeningKey, shares, *, count_failures=False) -> list[tuple[CustodianShare, bytes]]:
    """Each presented share against the digest published when the key was made. With
    `count_failures`, a wrong one counts against its custodian (SHARE_TRIES, then a pause)."""
    by_custodian = {s.custodian_id: s for s in opening_key.shares.select_related("custodian")}
    checked, seen = [], set()
    now = clock.now()
    for user, value in shares:
        if user.pk in seen:
            raise InvalidInput(_("%(who)s is named twice") % {"who": who(user)})
        seen.add(user.pk)
        share = by_custodian.get(user.pk)
        if share is None:
            raise RuleViolation(_("%(who)s holds no share of this opening key") % {"who": who(user)},
                                rule="sealed.not_custodian")
        if share.failed_tries >= SHARE_TRIES and share.last_failed_at and now < share.last_failed_at + SHARE_TRY_PAUSE:
            raise RuleViolation(
                _("%(who)s presented %(n)d wrong shares: the next try is possible after %(minutes)d minutes "
                  "(%(source)s)") % {"who": who(share.custodian, share.role), "n": share.failed_tries,
                                     "minutes": SHARE_TRY_PAUSE.seconds // 60, "source": SEALED_BIDS},
                rule="sealed.share_tries")
        if crypto.share_digest(value) != share.share_sha256:
            if count_failures:
                CustodianShare.objects.filter(pk=share.pk).update(failed_tries=share.failed_tries + 1,
                                                                  last_failed_at=now)
            raise RuleViolation(
                _("the share of %(who)s is not the one published when the key was made (wrong passphrase or "
                  "another round's share): nothing was opened") % {"who": who(share.custodian, share.role)},
                rule="sealed.custodian_passphrase_wrong")
        checked.append((share, value))
    return checked


@sensitive_variables("shares")
def shares_verify(*, bid_round: BidRound, shares, part: str = "offer") -> None:
    """Check the presented shares before the opening move, outside its database
    transaction, so that a wrong share is counted even though the opening is refused.
    The opening page and the API call this first."""
    opening_key = OpeningKey.objects.filter(bid_round=bid_round, part=part).first()
    if opening_key is not None:
        _check_shares(opening_key, list(shares), count_failures=True)


@sensitive_variables("shares", "checked", "private_key", "value")
def _open_one(bid, private_key, code, content):
    """The record of one envelope, decrypted."""
    opener = crypto.open_documents if content == "documents" else crypto.open_quote
    try:
        # The envelope must name the identity the offer was submitted under.
        inside = opener(bytes(bid.envelope), private_key, origin=settings.LEDGER_ORIGIN, code=code,
                        supplier=bid.bidder_uscc)
    except crypto.EnvelopeError as exc:
        return OpeningRecord(bid=bid, outcome=OpeningRecord.FAILED, reason=str(exc)[:200])
    if content == "documents":
        return OpeningRecord(bid=bid, outcome=OpeningRecord.OPENED, content_sha256=inside.sha256)
    return OpeningRecord(bid=bid, outcome=OpeningRecord.OPENED, price=inside.price)


def bids_open(*, bid_round: BidRound, shares, opened_by, part: str = "offer", content: str = "quote",
              withhold=None) -> Opening:
    """Open `part` of the round's live offers with at least k custodians' shares
    [(user, share bytes), ...]. Call inside the procedure's opening move. `content`: what
    the part's envelopes hold ("quote", or "documents": a SHA-256); `withhold`: {bid pk:
    reason} of envelopes the procedure's rules leave sealed. An envelope sealed under
    earlier documents and not confirmed since is left sealed too."""
    if content not in CONTENTS:
        raise InvalidInput(_("an envelope holds a quote or the SHA-256 of documents"))
    withhold = dict(withhold or {})
    opening_key = OpeningKey.objects.filter(bid_round=bid_round, part=part).first()
    if opening_key is None:
        raise RuleViolation(_("round %(round)d has no opening key") % {"round": bid_round.procedure_round},
                            rule="sealed.no_opening_key")
    checked = _check_shares(opening_key, list(shares))
    with db_transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=bid_round.transaction_id)
        bid_round = BidRound.objects.get(pk=bid_round.pk)
        if not holds(opened_by, Role.CLERK, tx):
            raise NotPermitted(_("the opening is run by a clerk of %(station)s") % {"station": tx.station})
        if bid_round.closed_at is None or clock.now() < bid_round.deadline:
            raise RuleViolation(_("quotes are opened only after the deadline, once they are closed (%(source)s)")
                                % {"source": SEALED_BIDS}, rule="sealed.open_after_deadline")
        if Opening.objects.filter(bid_round=bid_round, part=part).exists():
            raise StageConflict(_("round %(round)d of %(code)s is opened already")
                                % {"round": bid_round.procedure_round, "code": tx.code})
        if len(checked) < opening_key.k:
            shares_all = list(opening_key.shares.select_related("custodian"))
            raise RuleViolation(
                _("the opening needs %(k)d of the %(n)d custodians (%(source)s); present: %(given)d. "
                  "Custodians: %(names)s")
                % {"k": opening_key.k, "n": opening_key.n, "source": SEALED_BIDS, "given": len(checked),
                   "names": ", ".join(who(s.custodian, s.role) for s in shares_all)},
                rule="sealed.custodians_present")
        try:
            private_key = crypto.rebuild_opening_key([(s.index, value) for s, value in checked],
                                                     bytes(opening_key.public_key))
        except crypto.CustodianSecretError:
            raise RuleViolation(_("the custodians' shares do not give the opening key of %(code)s")
                                % {"code": tx.code}, rule="sealed.shares_do_not_open") from None
        opening = Opening.objects.create(bid_round=bid_round, transaction=tx, part=part, opened_at=clock.now(),
                                         opened_by=opened_by)
        opening.custodians.set([s.custodian for s, _v in checked])
        records = []
        for bid in (Bid.objects.filter(bid_round=bid_round, part=part, status=BidStatus.LIVE)
                    .order_by("received_at", "pk")):
            if bid.documents_version < bid_round.documents_version:
                record = OpeningRecord(bid=bid, outcome=OpeningRecord.UNOPENED, reason=NOT_CONFIRMED)
            elif bid.pk in withhold:
                record = OpeningRecord(bid=bid, outcome=OpeningRecord.UNOPENED, reason=str(withhold[bid.pk])[:200])
            else:
                record = _open_one(bid, private_key, tx.code, content)
            record.opening = opening
            records.append(record)
        OpeningRecord.objects.bulk_create(records)
        data = {
            "round": bid_round.procedure_round,
            "custodians": [{"role": s.role, "name": nfc(s.custodian.ledger_name())} for s, _v in checked],
            "records": [{
                "supplier": nfc(r.bid.bidder_name),
                "uscc": r.bid.bidder_uscc,
                "commitment": r.bid.commitment,
                "outcome": r.outcome,
                "price": f"{r.price:.2f}" if r.price is not None else None,
                "reason": r.reason or None,
                **({"documents_sha256": r.content_sha256 or None} if content == "documents" else {}),
            } for r in records],
        }
        if bid_round.seq != bid_round.procedure_round:
            data["bid_round"] = bid_round.seq
        if part != "offer":
            data["part"] = part
        ledger_record(kind="bids.opened", subject=tx.code, actor=ledger_actor(Role.CLERK, opened_by.ledger_name()),
                      data=data)
        # LEDGER.md section 5: a new checkpoint at every bid opening.
        db_transaction.on_commit(ledger_checkpoint_now)
    return opening
