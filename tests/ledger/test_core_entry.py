"""Entries by themselves: time stamps, the leaf hash, and every rule of LEDGER.md section 2."""

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ledger.core.entry import (
    ENTRY_KEYS,
    TS_FORMAT,
    ZERO_HASH_HEX,
    EntryError,
    check_entry,
    format_ts,
    leaf_hash,
    make_entry,
    parse_ts,
)
from ledger.core.jcs import canonical_bytes

VECTORS = Path(__file__).parent / "kat" / "ledger-vectors"
LINES = (VECTORS / "entries.jsonl").read_bytes().split(b"\n")[:-1]
TRANSITION = json.loads(LINES[0])
BIDS_CLOSED = json.loads(LINES[34])


def test_the_vector_entries_are_canonical_chained_and_valid():
    prev = ZERO_HASH_HEX
    for seq, line in enumerate(LINES):
        entry = json.loads(line)
        assert canonical_bytes(entry) == line
        check_entry(entry)
        assert entry["seq"] == seq and entry["prev"] == prev
        prev = leaf_hash(line).hex()


def test_leaf_hash_is_sha256_of_zero_byte_and_body():
    assert leaf_hash(b"") == bytes.fromhex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert leaf_hash(LINES[0]) == hashlib.sha256(b"\x00" + LINES[0]).digest()
    assert leaf_hash(LINES[0]).hex() == json.loads(LINES[1])["prev"]


def test_entry_keys_are_the_eight_of_the_table():
    assert ENTRY_KEYS == ("v", "seq", "ts", "prev", "kind", "subject", "actor", "data")


def test_format_ts_writes_utc_with_six_fraction_digits():
    beijing = timezone(timedelta(hours=8))
    assert format_ts(datetime(2026, 11, 28, 9, 0, tzinfo=beijing)) == "2026-11-28T01:00:00.000000Z"
    assert format_ts(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "2026-01-02T03:04:05.000006Z"
    assert format_ts(datetime(7, 1, 1, tzinfo=UTC)) == "0007-01-01T00:00:00.000000Z"


def test_format_ts_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        format_ts(datetime(2026, 1, 1))


def test_parse_ts_round_trips_and_is_strict():
    s = "2026-11-28T01:00:36.123456Z"
    assert parse_ts(s) == datetime(2026, 11, 28, 1, 0, 36, 123456, tzinfo=UTC)
    assert format_ts(parse_ts(s)) == s
    assert parse_ts(s) == datetime.strptime(s, TS_FORMAT).replace(tzinfo=UTC)
    for bad in [
        "2026-11-28T01:00:36.12345Z",  # five fraction digits
        "2026-11-28T01:00:36Z",
        "2026-11-28T01:00:36.123456z",
        "2026-11-28 01:00:36.123456Z",
        "2026-11-28T01:00:36.123456+00:00",
        "２０２６-11-28T01:00:36.123456Z",  # fullwidth digits
        "2026-02-30T00:00:00.000000Z",
        "2026-11-28T24:00:00.000000Z",
        "2026-12-31T23:59:60.000000Z",
        "0000-01-01T00:00:00.000000Z",
        " 2026-11-28T01:00:36.123456Z",
    ]:
        with pytest.raises(ValueError):
            parse_ts(bad)


def test_make_entry_builds_a_valid_entry_and_the_vector_bytes():
    v = json.loads(LINES[3])
    entry = make_entry(seq=3, ts=v["ts"], prev=v["prev"], kind=v["kind"], subject=v["subject"], actor=v["actor"], data=v["data"])
    assert canonical_bytes(entry) == LINES[3]


def test_make_entry_refuses_what_the_format_does_not_allow():
    with pytest.raises(EntryError, match="data.budget: floating-point"):
        make_entry(seq=0, ts="2026-11-28T01:00:00.000000Z", prev=ZERO_HASH_HEX, kind="bid.opened",
                   subject="JY-2026-0001", actor={"role": "clerk", "name": "王明"}, data={"budget": 1.5})


def mutated(base, change):
    entry = copy.deepcopy(base)
    change(entry)
    return entry


CASES = [
    (lambda e: e.pop("ts"), 'entry has no key "ts"'),
    (lambda e: e.update(extra=1), 'entry has unexpected key "extra"'),
    (lambda e: e.update(v=2), "v must be the integer 1, got 2"),
    (lambda e: e.update(v=True), "v must be the integer 1, got true"),
    (lambda e: e.update(v=1.0), "v must be the integer 1"),
    (lambda e: e.update(seq=-1), "seq must be a non-negative integer"),
    (lambda e: e.update(seq="3"), "seq must be a non-negative integer"),
    (lambda e: e.update(ts="2026-11-28T01:00:00Z"), "ts: time stamp"),
    (lambda e: e.update(ts=0), "ts must be a string"),
    (lambda e: e.update(prev="A" * 64), "prev must be 64 lowercase hex digits"),
    (lambda e: e.update(prev="0" * 63), "prev must be 64 lowercase hex digits"),
    (lambda e: e.update(kind=None), "kind must be a string"),
    (lambda e: e.update(subject=7), "subject must be a string"),
    (lambda e: e.update(actor="王明"), "actor must be an object"),
    (lambda e: e.update(actor={"role": "clerk"}), 'actor must have exactly the keys "name" and "role"'),
    (lambda e: e["actor"].update(id=3), 'actor must have exactly the keys "name" and "role"'),
    (lambda e: e["actor"].update(name=None), "actor.name must be a string"),
    (lambda e: e.update(data=[]), "data must be an object"),
    (lambda e: e["data"].pop("to"), "a transition's data must have \"to\""),
    (lambda e: e["data"].update(type="auction"), "data.type must be one of asset_sale, inquiry, tender"),
    (lambda e: e["data"].update(action=None), "data.action must be a string"),
    (lambda e: e["data"].update({"from": 3}), "data.from must be a string or null"),
    (lambda e: e["data"].update(to=None), "data.to must be a string"),
    (lambda e: e["data"].update(budget=128000.0), "data.budget: floating-point numbers are not allowed"),
    (lambda e: e["data"].update(big=2**53), "data.big: integer 9007199254740992 is outside"),
    (lambda e: e["data"].update({"clé": 1}), 'data["clé"]: object keys must be ASCII'),
    (lambda e: e["data"].update(note="e\u0301"), "data.note: text is not in Unicode NFC"),
]
BIDS_CASES = [
    (lambda e: e["data"].pop("count"), "a bids.closed entry's data must have \"count\""),
    (lambda e: e["data"].update(count=2), "data.count is 2 but data.commitments lists 3"),
    (lambda e: e["data"].update(count="3"), "data.count must be a non-negative integer"),
    (lambda e: e["data"]["commitments"].reverse(), "data.commitments is not sorted"),
    (lambda e: e["data"]["commitments"].__setitem__(1, e["data"]["commitments"][0]), "repeats the commitment before it"),
    (lambda e: e["data"]["commitments"].__setitem__(0, "AB" * 32), "data.commitments[0] must be 64 lowercase hex digits"),
    (lambda e: e["data"].update(commitments="x"), "data.commitments must be a list"),
]


@pytest.mark.parametrize(("change", "message"), CASES)
def test_check_entry_names_the_rule_a_transition_breaks(change, message):
    with pytest.raises(EntryError) as exc:
        check_entry(mutated(TRANSITION, change))
    assert message in str(exc.value)


@pytest.mark.parametrize(("change", "message"), BIDS_CASES)
def test_check_entry_names_the_rule_a_bids_closed_entry_breaks(change, message):
    with pytest.raises(EntryError) as exc:
        check_entry(mutated(BIDS_CLOSED, change))
    assert message in str(exc.value)


def test_other_kinds_may_have_any_data_and_empty_data():
    check_entry(mutated(TRANSITION, lambda e: e.update(kind="document.published", data={})))
    check_entry(mutated(TRANSITION, lambda e: e.update(kind="bid.opened", data={"count": 3, "ok": True, "list": [None]})))


def test_a_transition_may_carry_more_data_than_its_four_fields():
    check_entry(mutated(TRANSITION, lambda e: e["data"].update(reason="依法终止", n=5)))


def test_check_entry_refuses_non_objects():
    with pytest.raises(EntryError, match="an entry must be a JSON object"):
        check_entry([])
