"""Anyone can recompute a draw: announce -> checkpoint -> perform -> reveal, export the
log over HTTP as `python -m ledger.fetch` does, and `python -m bidding.draw_verify`
recomputes commitment, seed and result with no Django and no database; a station that
changes the inputs, the salt, the result, the checkpoint or the log, or publishes the seed
before the reveal, is caught. Draws of version 1 (announced before version 2) still check."""

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from django.db import transaction

from bidding import draws
from bidding.draw_verify import main
from bidding.models import Draw, DrawPurpose
from bidding.services.companies import expert_pool_add
from bidding.services.draws import draw_announce, draw_perform, draw_reveal
from ledger.core.note import Signer
from ledger.models import Checkpoint
from ledger.recording import actor, ledger_record
from tests.factories import make_transaction, make_user, make_world
from trading import clock
from trading.models import Role

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world():
    return make_world()


def announce(world, n=6, count=3):
    for _ in range(n):
        user = make_user(roles=[(Role.EXPERT, world.station, None)])
        expert_pool_add(station=world.station, user=user)
    tx = make_transaction(world, stage="registered")
    return tx, draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=count, user=world.clerk)


def export(client, folder: Path) -> dict:
    """What `python -m ledger.fetch` writes, read through the public endpoints."""
    folder.mkdir(exist_ok=True)
    entries = client.get("/ledger/entries", {"start": 0, "limit": 1000}).content
    (folder / "entries.jsonl").write_bytes(entries)
    history = b"".join(client.get("/ledger/checkpoints").streaming_content)
    (folder / "checkpoints.json").write_bytes(history)
    key = client.get("/ledger/key").content.decode().strip()
    return {"entries": str(folder / "entries.jsonl"), "checkpoints": str(folder / "checkpoints.json"), "key": key}


def verify(files, code, *extra, key=True) -> tuple[int, str]:
    argv = ["--entries", files["entries"], "--checkpoints", files["checkpoints"], "--code", code,
            "--workers", "1", *extra]
    if key:
        argv += ["--key", files["key"]]
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(argv)
    return status, out.getvalue()


def full_draw(world, sequenced):
    tx, draw = announce(world)
    sequenced()
    assert draw_perform(draw=draw)
    sequenced()
    draw_reveal(draw=draw)
    sequenced()
    draw.refresh_from_db()
    return tx, draw


def test_a_revealed_draw_is_recomputed_from_the_public_export(client, world, sequenced, tmp_path):
    tx, draw = full_draw(world, sequenced)
    files = export(client, tmp_path / "export")
    status, out = verify(files, tx.code)
    assert status == 0, out
    assert "RESULT: OK" in out and "the inputs match the commitment" in out
    assert f"seed checkpoint: tree size {draw.seed_checkpoint_size}" in out and "signature checked" in out
    assert f"seed recomputed from the checkpoint root and the salt: {draw.seed[:12]}…: the same" in out
    assert f"result recomputed: {', '.join(draw.result)}" in out
    # Only the draw asked for; no key: still recomputed, with a note that signatures were not checked.
    status, out = verify(files, tx.code, "--round", "1", "--purpose", "experts", key=False)
    assert status == 0 and "signatures are not checked" in out and "result recomputed" in out


def test_the_command_runs_with_python_m_and_no_django(client, world, sequenced, tmp_path):
    tx, draw = full_draw(world, sequenced)
    files = export(client, tmp_path / "export")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-m", "bidding.draw_verify", "--entries", files["entries"], "--checkpoints",
         files["checkpoints"], "--key", files["key"], "--code", tx.code, "--workers", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "RESULT: OK" in done.stdout and ", ".join(draw.result) in done.stdout


def test_before_the_reveal_the_checkpoint_is_confirmed_and_the_rest_waits(client, world, sequenced, tmp_path):
    tx, draw = announce(world)
    sequenced()
    status, out = verify(export(client, tmp_path / "a"), tx.code)
    assert status == 0 and "not performed yet" in out and "algorithm version 2" in out
    assert "secret until the reveal" in out
    draw_perform(draw=draw)
    sequenced()
    draw.refresh_from_db()
    status, out = verify(export(client, tmp_path / "b"), tx.code)
    assert status == 0 and "checkpoint and its root match" in out and "not revealed yet" in out
    assert "cannot be computed before the salt is revealed" in out
    # Nothing secret is in the public log to print: no pool number, no seed, no salt.
    assert not any(n in out for n in draw.candidates)
    assert draw.seed[:12] not in out and draw.salt[:12] not in out


def record(code, kind, data):
    with transaction.atomic():
        ledger_record(kind=kind, subject=code, actor=actor("system", "scheduler"), data=data)


def revealed_data(draw, **changes):
    return {"v": 2, "purpose": draw.purpose, "round": draw.round, "count": draw.count,
            "candidates": draw.candidates, "excluded": draw.excluded, "salt": draw.salt, "seed": draw.seed,
            "result": draw.result, **changes}


def performed_data(draw, checkpoint, **changes):
    return {"v": 2, "purpose": draw.purpose, "round": draw.round, "commitment": draw.commitment,
            "checkpoint_size": checkpoint.size, "checkpoint_root": bytes(checkpoint.root_hash).hex(), **changes}


def performed(world, sequenced):
    tx, draw = announce(world)
    sequenced()
    draw_perform(draw=draw)
    sequenced()
    draw.refresh_from_db()
    return tx, draw


def test_a_published_result_the_seed_does_not_draw_is_caught(client, world, sequenced, tmp_path):
    tx, draw = performed(world, sequenced)
    favoured = [n for n in draw.candidates if n not in draw.result][:1] + draw.result[1:]
    record(tx.code, "draw.revealed", revealed_data(draw, result=favoured))
    sequenced()
    status, out = verify(export(client, tmp_path / "x"), tx.code)
    assert status == 1 and "RESULT: NOT OK" in out and "is not what the seed draws" in out
    assert ", ".join(draw.result) in out


def test_revealed_inputs_that_differ_from_the_commitment_are_caught(client, world, sequenced, tmp_path):
    tx, draw = performed(world, sequenced)
    # Quietly drop a candidate (as if recused after the fact) and recompute the "result".
    candidates = draw.candidates[1:]
    seed = bytes.fromhex(draw.seed)
    record(tx.code, "draw.revealed", revealed_data(draw, candidates=candidates,
                                                   result=draws.select(seed, candidates, draw.count)))
    sequenced()
    status, out = verify(export(client, tmp_path / "x"), tx.code)
    assert status == 1 and "do not match the announcement" in out


def test_a_seed_from_a_later_checkpoint_is_caught(client, world, sequenced, tmp_path):
    tx, draw = announce(world)
    sequenced()
    first_size = sequenced()
    record("JY-0000-0000", "note", {})
    later_size = sequenced()
    later = Checkpoint.objects.get(size=later_size)
    record(tx.code, "draw.performed", performed_data(draw, later))
    sequenced()
    status, out = verify(export(client, tmp_path / "x"), tx.code)
    assert status == 1 and f"has tree size {first_size}" in out


def test_a_performed_entry_that_names_another_root_is_caught(client, world, sequenced, tmp_path):
    tx, draw = announce(world)
    sequenced()
    first = Checkpoint.objects.order_by("size").last()
    record(tx.code, "draw.performed", performed_data(draw, first, checkpoint_root="ab" * 32))
    sequenced()
    status, out = verify(export(client, tmp_path / "x"), tx.code)
    assert status == 1 and "names root abababababab" in out


def test_a_seed_published_before_the_reveal_is_caught(client, world, sequenced, tmp_path):
    # A station that publishes the seed (or the salt) with the draw lets anyone compute it.
    tx, draw = announce(world)
    sequenced()
    first = Checkpoint.objects.order_by("size").last()
    seed = draws.compute_seed(bytes(first.root_hash), draws.draw_inputs(
        code=tx.code, round=1, purpose="experts", count=draw.count, candidates=draw.candidates,
        excluded=draw.excluded, salt=draw.salt))
    record(tx.code, "draw.performed", performed_data(draw, first, seed=seed.hex()))
    sequenced()
    status, out = verify(export(client, tmp_path / "x"), tx.code)
    assert status == 1 and "the performed entry publishes ['seed']" in out


def test_a_revealed_seed_that_is_not_the_one_of_the_root_and_salt_is_caught(client, world, sequenced, tmp_path):
    tx, draw = performed(world, sequenced)
    record(tx.code, "draw.revealed", revealed_data(draw, seed="0" * 64))
    sequenced()
    status, out = verify(export(client, tmp_path / "x"), tx.code)
    assert status == 1 and "seed differs" in out and draw.seed in out


def test_another_salt_at_the_reveal_is_caught(client, world, sequenced, tmp_path):
    # A station that had kept the outcome it liked best of many salts would have to reveal
    # a salt other than the committed one.
    tx, draw = performed(world, sequenced)
    record(tx.code, "draw.revealed", revealed_data(draw, salt="f" * 64))
    sequenced()
    status, out = verify(export(client, tmp_path / "x"), tx.code)
    assert status == 1 and "do not match the announcement" in out


def test_a_reveal_under_another_version_is_caught(client, world, sequenced, tmp_path):
    tx, draw = performed(world, sequenced)
    data = revealed_data(draw)
    del data["v"], data["seed"]  # as version 1 would reveal it
    record(tx.code, "draw.revealed", data)
    sequenced()
    status, out = verify(export(client, tmp_path / "x"), tx.code)
    assert status == 1 and "names version 1, the announcement 2" in out


def test_an_announcement_twice_for_the_same_round_is_caught(client, world, sequenced, tmp_path):
    tx, draw = performed(world, sequenced)
    record(tx.code, "draw.announced", {"purpose": "experts", "round": 1, "commitment": "ab" * 32})
    sequenced()
    status, out = verify(export(client, tmp_path / "x"), tx.code)
    assert status == 1 and "announced 2 times" in out


def test_checkpoints_signed_by_another_key_are_caught(client, world, sequenced, tmp_path):
    tx, draw = full_draw(world, sequenced)
    files = export(client, tmp_path / "x")
    files["key"] = Signer.generate(files["key"].split("+")[0]).verifier_key()
    status, out = verify(files, tx.code)
    assert status == 1 and "is not validly signed" in out


def test_a_tampered_export_is_caught(client, world, sequenced, tmp_path):
    tx, draw = full_draw(world, sequenced)
    files = export(client, tmp_path / "x")
    path = Path(files["entries"])
    lines = path.read_bytes().split(b"\n")
    index = next(i for i, line in enumerate(lines) if b'"draw.revealed"' in line)
    first, second = draw.result[0].encode(), draw.result[1].encode()
    lines[index] = lines[index].replace(first, b"@").replace(second, first).replace(b"@", second)
    path.write_bytes(b"\n".join(lines))
    status, out = verify(files, tx.code)
    assert status == 1 and "the log was changed after it was signed" in out
    # Changing the announcement breaks the hash chain after it.
    files = export(client, tmp_path / "y")
    path = Path(files["entries"])
    data = path.read_bytes().replace(draw.commitment.encode(), b"0" * 64, 1)
    path.write_bytes(data)
    status, out = verify(files, tx.code)
    assert status == 1 and "the export itself is broken" in out


def test_usage_problems_exit_2(client, world, sequenced, tmp_path, capsys):
    tx, draw = full_draw(world, sequenced)
    files = export(client, tmp_path / "x")
    assert verify(files, "JY-1999-0001")[0] == 2
    assert verify(files, tx.code, "--purpose", "suppliers")[0] == 2
    assert verify({**files, "entries": str(tmp_path / "missing.jsonl")}, tx.code)[0] == 2
    assert verify({**files, "key": "not a key"}, tx.code)[0] == 2
    (tmp_path / "bad.json").write_text("[1, 2")
    assert verify({**files, "checkpoints": str(tmp_path / "bad.json")}, tx.code)[0] == 2
    assert "error:" in capsys.readouterr().err


# --- version 1 ------------------------------------------------------------------------------

def announce_v1(world, n=6, count=3):
    """A draw as the version 1 code announced it, before the upgrade: inputs with "v": 1,
    an announcement without "v"."""
    entries = []
    for _ in range(n):
        user = make_user(roles=[(Role.EXPERT, world.station, None)])
        entries.append(expert_pool_add(station=world.station, user=user))
    tx = make_transaction(world, stage="registered")
    salt = draws.new_salt()
    inputs = draws.draw_inputs(v=1, code=tx.code, round=1, purpose="experts", count=count,
                               candidates=[e.number for e in entries], excluded=[], salt=salt)
    with transaction.atomic():
        draw = Draw.objects.create(transaction=tx, round=1, purpose="experts", count=count,
                                   candidates=inputs["candidates"], excluded=[], salt=salt,
                                   commitment=draws.compute_commitment(inputs), announced_at=clock.now(),
                                   announced_by=world.clerk)
        ledger_record(kind="draw.announced", subject=tx.code, actor=actor("clerk", world.clerk.ledger_name()),
                      data={"purpose": "experts", "round": 1, "commitment": draw.commitment})
    return tx, draw


def test_a_version_1_draw_is_still_performed_revealed_and_verified_as_version_1(client, world, sequenced,
                                                                                tmp_path):
    tx, draw = announce_v1(world)
    sequenced()
    assert draw_perform(draw=draw)
    sequenced()
    draw.refresh_from_db()
    checkpoint = Checkpoint.objects.get(size=draw.seed_checkpoint_size)
    seed = draws.seed_v1(bytes(checkpoint.root_hash), tx.code, draw.commitment)
    assert draw.seed == seed.hex() and draw.result == draws.select(seed, draw.candidates, draw.count)
    status, out = verify(export(client, tmp_path / "a"), tx.code)
    assert status == 0, out
    assert "algorithm version 1" in out and "checkpoint and seed match" in out and "version 1 draw" in out
    draw_reveal(draw=draw)
    sequenced()
    files = export(client, tmp_path / "b")
    status, out = verify(files, tx.code)
    assert status == 0, out
    assert f"result recomputed: {', '.join(draw.result)}" in out
    # The entries are those version 1 wrote, so a version 1 checker reads them too.
    entries = [e for e in map(json.loads, Path(files["entries"]).read_bytes().splitlines())
               if e["subject"] == tx.code and e["kind"].startswith("draw.")]
    assert [sorted(e["data"]) for e in entries] == [
        ["commitment", "purpose", "round"],
        ["checkpoint_size", "commitment", "purpose", "round", "seed"],
        ["candidates", "count", "excluded", "purpose", "result", "round", "salt"],
    ]


def test_a_version_1_seed_that_is_wrong_is_caught(client, world, sequenced, tmp_path):
    tx, draw = announce_v1(world)
    sequenced()
    first = Checkpoint.objects.order_by("size").last()
    record(tx.code, "draw.performed", {"purpose": "experts", "round": 1, "commitment": draw.commitment,
                                       "checkpoint_size": first.size, "seed": "0" * 64})
    sequenced()
    status, out = verify(export(client, tmp_path / "x"), tx.code)
    assert status == 1 and "seed differs" in out
