"""Nobody can compute a draw before it is revealed (issue 8, item 5): the invitees of an
inquiry and its expert group stay secret until the reveal, although the pool numbers are
issued in order (E-0001, E-0002, ...) and so are easy to guess. The attacker below has the
whole public ledger before the reveal, every signed checkpoint and the exact candidate
list; what it lacks is the salt, which the selection seed depends on."""

import hashlib
import json
import re

import pytest

from bidding import draws
from bidding.models import DrawPurpose
from bidding.services.companies import expert_pool_add
from bidding.services.draws import draw_announce, draw_perform, draw_reveal
from ledger.models import Checkpoint, Entry
from tests.factories import make_transaction, make_user, make_world
from trading.models import Role

pytestmark = pytest.mark.django_db

HEX64 = re.compile(r"[0-9a-f]{64}")
POOL = 20  # with 5 drawn of 20, a wrong seed gives the same result with odds of 1 in 1.86 million


@pytest.fixture
def world():
    return make_world()


def performed_draw(world, sequenced):
    for _ in range(POOL):
        expert_pool_add(station=world.station, user=make_user(roles=[(Role.EXPERT, world.station, None)]))
    tx = make_transaction(world, stage="registered")
    draw = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=5, user=world.clerk)
    sequenced()
    assert draw_perform(draw=draw)
    sequenced()
    draw.refresh_from_db()
    return tx, draw


def public_log():
    return [json.loads(bytes(e.body)) for e in Entry.objects.order_by("seq")]


def hex_values(value):
    """Every 64-hex-digit string anywhere in a parsed entry."""
    if isinstance(value, dict):
        return [h for v in value.values() for h in hex_values(v)]
    if isinstance(value, list):
        return [h for v in value for h in hex_values(v)]
    return [value] if isinstance(value, str) and HEX64.fullmatch(value) else []


def test_the_public_ledger_before_the_reveal_does_not_determine_the_draw(world, sequenced):
    tx, draw = performed_draw(world, sequenced)
    log = public_log()
    assert {"draw.announced", "draw.performed"} <= {e["kind"] for e in log}
    assert "draw.revealed" not in {e["kind"] for e in log}
    # The attacker's guess of the pool: the station's numbers in order. Here it is exactly right.
    guess = [f"E-{i:04d}" for i in range(1, POOL + 1)]
    assert guess == draw.candidates

    # Every seed the attacker could try: each hex value published in the log, each checkpoint
    # root, and the seed of version 1 (root, code and commitment: all public).
    tries = {bytes.fromhex(h) for entry in log for h in hex_values(entry)}
    for checkpoint in Checkpoint.objects.all():
        root = bytes(checkpoint.root_hash)
        tries.add(root)
        tries.add(hashlib.sha256(b"station-draw/v1\n" + root + tx.code.encode() + b"\n"
                                 + draw.commitment.encode()).digest())

    assert bytes.fromhex(draw.seed) not in tries
    assert not [s for s in tries if draws.select(s, guess, draw.count) == draw.result]


def test_neither_the_salt_nor_the_selection_seed_is_published_before_the_reveal(world, sequenced):
    tx, draw = performed_draw(world, sequenced)
    bodies = b"\n".join(bytes(e.body) for e in Entry.objects.all())
    assert draw.salt.encode() not in bodies
    assert draw.seed.encode() not in bodies


def test_after_the_reveal_the_public_ledger_alone_recomputes_the_draw(world, sequenced):
    tx, draw = performed_draw(world, sequenced)
    draw_reveal(draw=draw)
    sequenced()
    log = [e for e in public_log() if e["subject"] == tx.code]
    [announced] = [e for e in log if e["kind"] == "draw.announced"]
    [performed] = [e for e in log if e["kind"] == "draw.performed"]
    [revealed] = [e for e in log if e["kind"] == "draw.revealed"]
    data = revealed["data"]
    inputs = draws.draw_inputs(v=data["v"], code=tx.code, round=data["round"], purpose=data["purpose"],
                               count=data["count"], candidates=data["candidates"], excluded=data["excluded"],
                               salt=data["salt"])
    assert draws.compute_commitment(inputs) == announced["data"]["commitment"]
    checkpoint = Checkpoint.objects.get(size=performed["data"]["checkpoint_size"])
    assert performed["data"]["checkpoint_root"] == bytes(checkpoint.root_hash).hex()
    seed = draws.compute_seed(bytes(checkpoint.root_hash), inputs)
    assert draws.select(seed, data["candidates"], data["count"]) == data["result"] == draw.result
