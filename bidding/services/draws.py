"""Random draws from a station's pools that anyone can recompute (docs/draws.md).

* `draw_announce` fixes the inputs (eligible pool numbers, recusals with their reasons,
  how many, a secret random salt) and records only their commitment in `draw.announced`.
* `draw_perform` waits until that entry has its place in the log and a signed checkpoint
  covers it, then derives the seed from the checkpoint's root and the salt and draws;
  `draw.performed` publishes the checkpoint (size and root), never the seed: with the salt
  still secret, nobody outside the station can compute the draw. `draws_perform_due` is
  what the clock's tick calls.
* `draw_reveal` publishes the inputs (the salt too), the seed and the result in
  `draw.revealed` when secrecy ends (quotes opened for suppliers, result published for
  experts).

New draws are version 2; a draw announced with version 1 (before the upgrade) is
performed and revealed as version 1, because its commitment binds that version.

The arithmetic is bidding/draws.py (pure); this module reads the pools and the ledger.
"""

import unicodedata

from django.db import transaction as db_transaction
from django.utils.translation import gettext as _

from ledger.models import Checkpoint
from ledger.recording import actor as ledger_actor
from ledger.recording import ledger_record
from ledger.selectors import covering_checkpoint
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Membership, Role, Transaction

from .. import draws, selectors
from ..models import Draw, DrawPurpose

# Recusal reasons, as written in the committed inputs and the ledger: fixed codes, so the
# commitment does not depend on anyone's language (docs/draws.md explains each).
PURCHASER_OF_UNIT = "purchaser_of_owning_unit"
DECLARED_CONFLICT = "declared_conflict"
EMPLOYED_BY_UNIT = "employer_is_owning_unit"
PARTY_CONFLICT = "declared_conflict_with_party"
EMPLOYED_BY_PARTY = "employer_is_party"

SYSTEM = ledger_actor("system", "scheduler")
DRAW_SOURCES = {
    DrawPurpose.EXPERTS: "财政部令第74号 第七条",
    DrawPurpose.SUPPLIERS: "财政部令第74号 第十二条",
}


def _same_name(a: str, b: str) -> bool:
    def norm(s):
        return " ".join(unicodedata.normalize("NFKC", s or "").split()).casefold()

    return bool(norm(a)) and norm(a) == norm(b)


def draw_eligibility(*, transaction: Transaction, purpose: str, parties=()) -> tuple[list[str], list[dict]]:
    """(candidates, excluded) of a draw for `transaction` from its station's pool. `parties`:
    the companies taking part (e.g. a round's bidders, once they are known): an expert who
    declared a conflict with one of them, or is employed by one, is skipped too."""
    station = transaction.station
    if purpose == DrawPurpose.SUPPLIERS:
        return sorted(e.number for e in selectors.active_supplier_entries(station)), []
    unit = transaction.unit
    purchasers = set(
        Membership.objects.filter(role=Role.PURCHASER, unit=unit).values_list("user_id", flat=True)
    )
    conflicted = selectors.conflicts_with_unit(station, unit)
    parties = list(parties)
    party_conflicted = selectors.conflicts_with_companies(station, parties)
    candidates, excluded = [], []
    for entry in selectors.active_expert_entries(station):
        if entry.user_id in purchasers:
            reason = PURCHASER_OF_UNIT
        elif entry.number in conflicted:
            reason = DECLARED_CONFLICT
        elif _same_name(entry.employer, unit.name):
            reason = EMPLOYED_BY_UNIT
        elif entry.number in party_conflicted:
            reason = PARTY_CONFLICT
        elif any(_same_name(entry.employer, company.name) for company in parties):
            reason = EMPLOYED_BY_PARTY
        else:
            candidates.append(entry.number)
            continue
        excluded.append({"number": entry.number, "reason": reason})
    return sorted(candidates), sorted(excluded, key=lambda e: e["number"])


def draw_announce(*, transaction: Transaction, purpose: str, count: int, user, parties=(), source=None) -> Draw:
    """A clerk announces a draw of `count` pool members for the transaction's current round.
    `parties`: the companies taking part, whose tied experts are skipped (draw_eligibility);
    `source`: the procedure's rule the draw serves (named when the pool is too small)."""
    if purpose not in DrawPurpose.values:
        raise InvalidInput(_("unknown draw purpose %(purpose)s: choose experts or suppliers")
                           % {"purpose": purpose}, field="purpose")
    if type(count) is not int or count < 1:
        raise InvalidInput(_("the number to draw is a whole number of at least 1"), field="count")
    purpose = DrawPurpose(purpose).value
    with db_transaction.atomic():
        tx = Transaction.objects.select_for_update().select_related("station", "unit").get(pk=transaction.pk)
        tx.as_procedure()
        if not user.memberships.filter(role=Role.CLERK, station=tx.station).exists():
            raise NotPermitted(_("draws are run by a clerk of %(station)s") % {"station": tx.station})
        if not tx.is_live():
            raise StageConflict(
                _("%(code)s is at stage “%(stage)s”: draws are made only in a live procedure")
                % {"code": tx.code, "stage": tx.stage_label()}, stage=tx.stage)
        if Draw.objects.filter(transaction=tx, round=tx.round, purpose=purpose).exists():
            raise StageConflict(
                _("the %(purpose)s of %(code)s round %(round)d have already been drawn; a draw is never repeated")
                % {"purpose": DrawPurpose(purpose).label, "code": tx.code, "round": tx.round})
        candidates, excluded = draw_eligibility(transaction=tx, purpose=purpose, parties=parties)
        if len(candidates) < count:
            raise RuleViolation(
                _("a random draw of %(count)d from the pool needs at least %(count)d eligible members "
                  "(%(source)s); eligible: %(eligible)d, recused: %(recused)d")
                % {"count": count, "source": source or DRAW_SOURCES[purpose], "eligible": len(candidates),
                   "recused": len(excluded)},
                rule="draw.enough_candidates")
        salt = draws.new_salt()
        inputs = draws.draw_inputs(code=tx.code, round=tx.round, purpose=purpose, count=count,
                                   candidates=candidates, excluded=excluded, salt=salt)
        draw = Draw.objects.create(  # the salt is kept here only, secret until the reveal
            transaction=tx, round=tx.round, purpose=purpose, count=count, candidates=inputs["candidates"],
            excluded=inputs["excluded"], salt=salt, commitment=draws.compute_commitment(inputs),
            announced_at=clock.now(), announced_by=user,
        )
        # Only the commitment and the algorithm: no pool number, no name, no count (invitees
        # and their number are secret until quotes open; experts' names until the result).
        ledger_record(kind=selectors.DRAW_ANNOUNCED, subject=tx.code,
                      actor=ledger_actor(Role.CLERK, user.ledger_name()),
                      data={"v": inputs["v"], "purpose": purpose, "round": tx.round, "commitment": draw.commitment})
    return draw


def _committed_inputs(draw: Draw) -> dict:
    """The inputs the draw's commitment binds, with the version it was announced with."""
    for v in sorted(draws.VERSIONS, reverse=True):
        inputs = draws.draw_inputs(v=v, code=draw.transaction.code, round=draw.round, purpose=draw.purpose,
                                   count=draw.count, candidates=draw.candidates, excluded=draw.excluded,
                                   salt=draw.salt)
        if draws.compute_commitment(inputs) == draw.commitment:
            return inputs
    raise draws.DrawError(f"the stored inputs of draw {draw.pk} do not match its commitment")


def seed_checkpoint(draw: Draw) -> Checkpoint | None:
    """The first signed checkpoint covering the draw's announcement, once there is one."""
    seq = selectors.announced_entry_seq(draw)
    return None if seq is None else covering_checkpoint(seq)


def draw_perform(*, draw: Draw) -> bool:
    """Draw, if the seed can be known yet; True when the draw has its result."""
    checkpoint = seed_checkpoint(draw)
    if checkpoint is None:
        return False
    _perform(draw.pk, checkpoint)
    return True


def _perform(pk: int, checkpoint: Checkpoint) -> bool:
    """Compute and store the result; False if someone else already did."""
    with db_transaction.atomic():
        draw = Draw.objects.select_for_update().select_related("transaction").get(pk=pk)
        if draw.performed_at is not None:
            return False
        inputs = _committed_inputs(draw)
        root = bytes(checkpoint.root_hash)
        seed = draws.compute_seed(root, inputs)
        draw.seed = seed.hex()  # secret (version 2) until the reveal, like the salt
        draw.seed_checkpoint_size = checkpoint.size
        draw.result = draws.select(seed, draw.candidates, draw.count)
        draw.performed_at = clock.now()
        draw.save(update_fields=["seed", "seed_checkpoint_size", "result", "performed_at"])
        data = {"purpose": draw.purpose, "round": draw.round, "commitment": draw.commitment,
                "checkpoint_size": checkpoint.size}
        if inputs["v"] == 1:
            data["seed"] = draw.seed  # version 1 published it; anyone could compute it anyway
        else:
            data.update(v=inputs["v"], checkpoint_root=root.hex())
        ledger_record(kind=selectors.DRAW_PERFORMED, subject=draw.transaction.code, actor=SYSTEM, data=data)
    return True


def draws_perform_due() -> int:
    """Perform every announced draw whose checkpoint has come; returns how many."""
    performed = 0
    for draw in selectors.draws_waiting():
        checkpoint = seed_checkpoint(draw)
        if checkpoint is not None and _perform(draw.pk, checkpoint):
            performed += 1
    return performed


def draw_reveal(*, draw: Draw) -> Draw:
    """Publish the draw's inputs and result (secrecy has ended). Revealing twice is a no-op."""
    with db_transaction.atomic():
        draw = Draw.objects.select_for_update().select_related("transaction").get(pk=draw.pk)
        if draw.performed_at is None:
            raise StageConflict(_("the draw has not been performed yet: it waits for the next signed checkpoint"))
        if draw.revealed_at is not None:
            return draw
        inputs = _committed_inputs(draw)
        draw.revealed_at = clock.now()
        draw.save(update_fields=["revealed_at"])
        data = {"purpose": draw.purpose, "round": draw.round, "count": draw.count,
                "candidates": draw.candidates, "excluded": draw.excluded, "salt": draw.salt,
                "result": draw.result}
        if inputs["v"] != 1:
            data.update(v=inputs["v"], seed=draw.seed)
        ledger_record(kind=selectors.DRAW_REVEALED, subject=draw.transaction.code, actor=SYSTEM, data=data)
    return draw


def draw_selected_entries(draw: Draw) -> list:
    """The pool entries drawn, in the order drawn (empty until performed)."""
    return selectors.pool_entries(draw.transaction.station, draw.purpose, draw.result)
