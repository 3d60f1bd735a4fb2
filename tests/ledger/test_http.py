"""The published endpoints of LEDGER.md section 7, checked the way an outside verifier
would: only with what they serve and the pure core."""

import json

import pytest
from django.db import transaction

from ledger.core import merkle
from ledger.core.checkpoint import parse_checkpoint
from ledger.core.entry import leaf_hash
from ledger.core.note import Verifier, open_note
from ledger.recording import actor, ledger_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(sequenced):
    def grow(n):
        with transaction.atomic():
            for i in range(n):
                ledger_record(kind="note", subject=f"JY-2026-{i % 3 + 1:04d}", actor=actor("clerk", "王明"),
                              data={"i": i, "note": "城关镇"})
        return sequenced()

    grow(9)
    return grow


def streamed_json(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(b"".join(response.streaming_content))


def get_entries(client, start, limit):
    response = client.get("/ledger/entries", {"start": start, "limit": limit})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jsonl"
    return response.content


def test_key_and_checkpoint_verify(client, log):
    key = client.get("/ledger/key")
    assert key.status_code == 200 and key["Content-Type"].startswith("text/plain")
    verifier = Verifier.from_string(key.content.decode().strip())
    assert verifier.name == "trading.localhost/ledger"
    note = client.get("/ledger/checkpoint")
    checkpoint = parse_checkpoint(open_note(note.content, verifier))
    assert checkpoint.size == 9


def test_entries_are_the_stored_canonical_bytes_and_hash_to_the_checkpoint(client, log):
    body = get_entries(client, 0, 1000)
    lines = body.split(b"\n")
    assert lines[-1] == b"" and len(lines) == 10
    leaves = [leaf_hash(line) for line in lines[:-1]]
    verifier = Verifier.from_string(client.get("/ledger/key").content.decode().strip())
    checkpoint = parse_checkpoint(open_note(client.get("/ledger/checkpoint").content, verifier))
    assert merkle.root(leaves) == checkpoint.root
    assert get_entries(client, 3, 2) == b"\n".join(lines[3:5]) + b"\n"
    assert get_entries(client, 9, 5) == b""  # the end of the log: nothing yet


def test_inclusion_and_consistency_proofs_verify(client, log):
    first = parse_checkpoint(open_note(client.get("/ledger/checkpoint").content,
                                       Verifier.from_string(client.get("/ledger/key").content.decode().strip())))
    log(4)
    verifier = Verifier.from_string(client.get("/ledger/key").content.decode().strip())
    second = parse_checkpoint(open_note(client.get("/ledger/checkpoint").content, verifier))
    assert second.size == 13
    for index in range(13):
        proof = client.get("/ledger/proof/inclusion", {"index": index, "size": 13}).json()
        assert proof["index"] == index and proof["size"] == 13
        assert merkle.verify_inclusion(index, 13, bytes.fromhex(proof["leaf_hash"]),
                                       [bytes.fromhex(h) for h in proof["path"]], second.root)
    proof = client.get("/ledger/proof/consistency", {"old": first.size, "new": second.size}).json()
    assert proof == {"old": 9, "new": 13, "path": proof["path"]}
    assert merkle.verify_consistency(9, 13, first.root, second.root, [bytes.fromhex(h) for h in proof["path"]])


def test_checkpoint_history_is_listed_oldest_first(client, log):
    log(2)
    log(1)
    every = streamed_json(client.get("/ledger/checkpoints"))["checkpoints"]
    sizes = [int(note.split("\n")[1]) for note in every]
    assert sizes == [9, 11, 12]
    after = streamed_json(client.get("/ledger/checkpoints", {"after": 9}))["checkpoints"]
    assert [int(note.split("\n")[1]) for note in after] == [11, 12]


@pytest.mark.parametrize("path,params,parameter", [
    ("/ledger/entries", {}, "start"),
    ("/ledger/entries", {"start": "x"}, "start"),
    ("/ledger/entries", {"start": "-1"}, "start"),
    ("/ledger/entries", {"start": "10"}, "start"),
    ("/ledger/entries", {"start": "0", "limit": "0"}, "limit"),
    ("/ledger/entries", {"start": "0", "limit": "1001"}, "limit"),
    ("/ledger/entries", {"start": "0", "limit": "1.5"}, "limit"),
    ("/ledger/proof/inclusion", {"index": "0"}, "size"),
    ("/ledger/proof/inclusion", {"index": "9", "size": "9"}, "index"),
    ("/ledger/proof/inclusion", {"index": "0", "size": "10"}, "size"),
    ("/ledger/proof/inclusion", {"index": "0", "size": "0"}, "size"),
    ("/ledger/proof/inclusion", {"index": "a", "size": "3"}, "index"),
    ("/ledger/proof/inclusion", {"index": "0", "size": "99999999999999999999999"}, "size"),
    ("/ledger/proof/consistency", {"old": "5", "new": "3"}, "old"),
    ("/ledger/proof/consistency", {"old": "0", "new": "3"}, "old"),
    ("/ledger/proof/consistency", {"old": "3", "new": "10"}, "new"),
    ("/ledger/proof/consistency", {"old": "", "new": "3"}, "old"),
    ("/ledger/checkpoints", {"after": "-2"}, "after"),
    ("/ledger/checkpoints", {"after": "１"}, "after"),
])
def test_bad_parameters_answer_400_with_a_json_error(client, log, path, params, parameter):
    response = client.get(path, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_parameter" and error["parameter"] == parameter and error["message"]


def test_errors_are_translated(client, log):
    english = client.get("/ledger/entries", {"start": "x"}, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get("/ledger/entries", {"start": "x"}).json()
    assert "integer" in english["error"]["message"]
    assert english["error"]["message"] != chinese["error"]["message"]


def test_endpoints_are_public_and_cors_open(client, log):
    for path in ("/ledger/key", "/ledger/checkpoint", "/ledger/checkpoints", "/ledger/entries?start=0"):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"


def test_empty_log_has_no_checkpoint_yet(client, db):
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 503
    assert json.loads(response.content)["error"]["code"] == "no_checkpoint"
    assert client.get("/ledger/entries", {"start": 0}).content == b""
