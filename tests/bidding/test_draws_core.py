"""The draw algorithm of docs/draws.md: known answers (computed independently with
sha256sum, xxd and bc, and published in docs/draws.md), the rejection step that removes
modulo bias, and properties every draw has. Pure: no Django, no database."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bidding import draws

ROOT = Path(__file__).resolve().parents[2]

# The published test vectors (docs/draws.md, "Test vector"): version 2, and version 1 for
# checking old draws. Same inputs but for "v", same checkpoint root.
CODE = "JY-2026-0001"
CANDIDATES = ["E-0001", "E-0002", "E-0004", "E-0005", "E-0006"]
EXCLUDED = [{"number": "E-0003", "reason": "declared_conflict"}]
SALT = "0123456789abcdef" * 4
CHECKPOINT_ROOT = bytes(range(32))
CANONICAL = (
    b'{"candidates":["E-0001","E-0002","E-0004","E-0005","E-0006"],"code":"JY-2026-0001","count":3,'
    b'"excluded":[{"number":"E-0003","reason":"declared_conflict"}],"purpose":"experts","round":1,'
    b'"salt":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","v":2}'
)
COMMITMENT = "9658b4baaa4a8ad18c5af64337b5c85bbd63300df5f555a179273b8e452fdc8a"
SEED = "18faf224e6224a8e630291c70fb99ffe9050f5481082c48dc88c5cc0957b459f"
RESULT = ["E-0001", "E-0006", "E-0005"]

V1_CANONICAL = CANONICAL.replace(b'"v":2}', b'"v":1}')
V1_COMMITMENT = "3e929943383dc2958f6b2971012ce9716fe13240f7406f840676fc211a63cd00"
V1_SEED = "8c48e823f6bcf5826700bb515b211daa49b23c88d488637049e41fc1799efaea"
V1_RESULT = ["E-0004", "E-0001", "E-0002"]


def vector_inputs(**changes):
    values = {"code": CODE, "round": 1, "purpose": "experts", "count": 3, "candidates": CANDIDATES,
              "excluded": EXCLUDED, "salt": SALT, **changes}
    return draws.draw_inputs(**values)


def test_new_draws_are_version_2():
    assert draws.DRAW_VERSION == 2 and vector_inputs()["v"] == 2


def test_commitment_is_sha256_of_the_canonical_inputs():
    assert hashlib.sha256(CANONICAL).hexdigest() == COMMITMENT
    assert draws.compute_commitment(vector_inputs()) == COMMITMENT


def test_inputs_are_sorted_whatever_order_they_come_in():
    shuffled = vector_inputs(candidates=list(reversed(CANDIDATES)))
    assert shuffled["candidates"] == CANDIDATES
    assert draws.compute_commitment(shuffled) == COMMITMENT


def test_seed_known_answer():
    # 16 + 32 + 12 + 1 + 64 + 32 = 157 bytes, the salt as its 32 raw bytes.
    spelled_out = (b"station-draw/v2\n" + CHECKPOINT_ROOT + b"JY-2026-0001\n" + COMMITMENT.encode()
                   + bytes.fromhex(SALT))
    assert len(spelled_out) == 157
    assert hashlib.sha256(spelled_out).hexdigest() == SEED
    assert draws.seed_v2(CHECKPOINT_ROOT, CODE, COMMITMENT, SALT).hex() == SEED
    assert draws.compute_seed(CHECKPOINT_ROOT, vector_inputs()).hex() == SEED


def test_selection_known_answer():
    assert draws.select(bytes.fromhex(SEED), CANDIDATES, 3) == RESULT


def test_selection_step_by_step_as_the_docs_describe():
    # i = 0: SHA-256(seed || 00000000 || 00000000) mod 5 = 0 -> E-0001 of the five;
    # i = 1: SHA-256(seed || 00000001 || 00000000) mod 4 = 3 -> E-0006 of the four left.
    value = int.from_bytes(hashlib.sha256(bytes.fromhex(SEED) + bytes(8)).digest(), "big")
    assert value % 5 == 0 and CANDIDATES[0] == RESULT[0]
    value = int.from_bytes(hashlib.sha256(bytes.fromhex(SEED) + b"\0\0\0\1" + bytes(4)).digest(), "big")
    assert value % 4 == 3 and CANDIDATES[1:][3] == RESULT[1]


def test_version_1_known_answer_still_holds():
    inputs = vector_inputs(v=1)
    assert hashlib.sha256(V1_CANONICAL).hexdigest() == V1_COMMITMENT == draws.compute_commitment(inputs)
    spelled_out = b"station-draw/v1\n" + CHECKPOINT_ROOT + b"JY-2026-0001\n" + V1_COMMITMENT.encode()
    assert hashlib.sha256(spelled_out).hexdigest() == V1_SEED
    assert draws.seed_v1(CHECKPOINT_ROOT, CODE, V1_COMMITMENT).hex() == V1_SEED
    assert draws.compute_seed(CHECKPOINT_ROOT, inputs).hex() == V1_SEED
    assert draws.select(bytes.fromhex(V1_SEED), CANDIDATES, 3) == V1_RESULT


def test_the_version_2_seed_needs_the_salt():
    # Everything public before the reveal (root, code, commitment) and the version 1 seed
    # made of it are not the seed; another salt gives another seed.
    public = {CHECKPOINT_ROOT, bytes.fromhex(COMMITMENT), draws.seed_v1(CHECKPOINT_ROOT, CODE, COMMITMENT)}
    assert bytes.fromhex(SEED) not in public
    assert draws.seed_v2(CHECKPOINT_ROOT, CODE, COMMITMENT, "f" * 64).hex() != SEED


def test_unknown_versions_are_refused():
    for v in (0, 3, "2", True):
        with pytest.raises(draws.DrawError, match="version"):
            vector_inputs(v=v)


def test_every_input_changes_the_commitment():
    changed = [
        vector_inputs(code="JY-2026-0002"), vector_inputs(round=2), vector_inputs(purpose="suppliers"),
        vector_inputs(count=2), vector_inputs(candidates=CANDIDATES[:4]), vector_inputs(excluded=[]),
        vector_inputs(excluded=[{"number": "E-0003", "reason": "employer_is_owning_unit"}]),
        vector_inputs(salt="f" * 64),
    ]
    commitments = {draws.compute_commitment(i) for i in changed}
    assert len(commitments) == len(changed) and COMMITMENT not in commitments


def test_the_seed_depends_on_root_code_commitment_and_salt():
    seeds = {
        draws.seed_v2(CHECKPOINT_ROOT, CODE, COMMITMENT, SALT),
        draws.seed_v2(bytes(32), CODE, COMMITMENT, SALT),
        draws.seed_v2(CHECKPOINT_ROOT, "JY-2026-0002", COMMITMENT, SALT),
        draws.seed_v2(CHECKPOINT_ROOT, CODE, "0" * 64, SALT),
        draws.seed_v2(CHECKPOINT_ROOT, CODE, COMMITMENT, "0" * 64),
    }
    assert len(seeds) == 5
    with pytest.raises(draws.DrawError):
        draws.seed_v2(CHECKPOINT_ROOT, CODE, COMMITMENT, "ABC")


def test_top_values_are_rejected_so_no_index_is_favoured():
    space = 1 << 256
    # 2**256 = 3k + 1: the value 2**256 - 1 would give index 0 one extra chance.
    assert draws.uniform_index(space - 1, 3) is None
    assert draws.uniform_index(space - 2, 3) == (space - 2) % 3
    assert draws.uniform_index(0, 3) == 0
    # A power of two divides 2**256: nothing is rejected.
    assert draws.uniform_index(space - 1, 4) == 3
    for n in (3, 5, 7, 1000, 9999):  # not powers of two: some top values are rejected
        limit = space - space % n
        assert limit % n == 0 and limit < space
        assert draws.uniform_index(limit - 1, n) == n - 1
        assert draws.uniform_index(limit, n) is None


def test_a_rejected_attempt_moves_on_to_the_next_attempt(monkeypatch):
    calls = []

    def fake_value(seed, i, attempt):
        calls.append((i, attempt))
        return (1 << 256) - 1 if (i, attempt) == (0, 0) else 4  # the first value is in the rejected top

    monkeypatch.setattr(draws, "_value", fake_value)
    assert draws.select(bytes(32), ["a", "b", "c"], 2) == ["b", "a"]  # 4 % 3 = 1, then 4 % 2 = 0
    assert calls == [(0, 0), (0, 1), (1, 0)]


def test_every_candidate_can_be_drawn_at_every_position():
    # Deterministic stand-in for a uniformity test: over 300 seeds, each of five candidates
    # is drawn first, second and third at least once, and never anything else.
    seen = [set(), set(), set()]
    for k in range(300):
        seed = hashlib.sha256(b"seed %d" % k).digest()
        result = draws.select(seed, CANDIDATES, 3)
        assert len(set(result)) == 3 and set(result) <= set(CANDIDATES)
        for position, number in enumerate(result):
            seen[position].add(number)
    assert all(s == set(CANDIDATES) for s in seen)


@given(seed=st.binary(min_size=32, max_size=32),
       candidates=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=30, unique=True),
       data=st.data())
def test_a_draw_is_a_deterministic_selection_without_replacement(seed, candidates, data):
    count = data.draw(st.integers(0, len(candidates)))
    result = draws.select(seed, candidates, count)
    assert len(result) == count and len(set(result)) == count and set(result) <= set(candidates)
    assert draws.select(seed, list(reversed(candidates)), count) == result  # order of input is irrelevant
    assert draws.select(seed, candidates, len(candidates))[:count] == result  # a prefix of the full order


@pytest.mark.parametrize("changes, message", [
    ({"count": 6}, "more than the 5 candidates"),
    ({"count": 0}, "positive integer"),
    ({"round": 0}, "positive integer"),
    ({"salt": "ABC"}, "64 lowercase hex"),
    ({"candidates": CANDIDATES + ["E-0001"]}, "listed once"),
    ({"excluded": [{"number": "E-0001", "reason": "declared_conflict"}]}, "not a candidate"),
    ({"excluded": [{"number": "E-0003"}]}, '"number", "reason"'),
    ({"code": ""}, "non-empty string"),
])
def test_malformed_inputs_are_refused(changes, message):
    with pytest.raises(draws.DrawError) as exc:
        vector_inputs(**changes)
    assert message in str(exc.value)


def test_text_that_is_not_nfc_cannot_be_committed():
    with pytest.raises(draws.DrawError):
        vector_inputs(excluded=[{"number": "E-0003", "reason": "Cafe\u0301"}])


def test_salt_is_32_random_bytes_from_the_secrets_module(monkeypatch):
    salts = {draws.new_salt() for _ in range(20)}
    assert len(salts) == 20 and all(len(s) == 64 and int(s, 16) >= 0 for s in salts)
    asked = []
    monkeypatch.setattr(draws.secrets, "token_hex", lambda n: asked.append(n) or "ab" * n)
    assert draws.new_salt() == "ab" * 32 and asked == [32]


def test_the_algorithm_and_the_verifier_import_no_django():
    code = ("import bidding.draws, bidding.draw_verify, sys; "
            "assert not [m for m in sys.modules if m.startswith('django')], 'django imported'")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_reimplementation_in_the_docs_gives_the_test_vector():
    # docs/draws.md shows the algorithm in a few lines of plain Python: it must stay right.
    text = (ROOT / "docs" / "draws.md").read_text(encoding="utf-8")
    snippet = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(snippet, namespace)  # our own documentation
    seed = namespace["seed"](CHECKPOINT_ROOT, CODE, COMMITMENT, SALT)
    assert seed.hex() == SEED
    assert namespace["select"](seed, CANDIDATES, 3) == RESULT
    assert COMMITMENT in text and SEED in text and CANONICAL.decode() in text
    assert V1_COMMITMENT in text and V1_SEED in text and ", ".join(V1_RESULT) in text
