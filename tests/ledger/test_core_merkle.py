"""The Merkle tree and its proofs: RFC 6962 known answers, every proof of every tree up to 64."""

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    hash_children,
    hash_leaf,
    inclusion_proof,
    range_nodes,
    root,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

KAT = json.loads((Path(__file__).parent / "kat" / "rfc6962_merkle.json").read_text())
LEAVES = [hash_leaf(bytes.fromhex(x)) for x in KAT["leaves_hex"]]
ROOTS = [bytes.fromhex(x) for x in KAT["roots_hex"]]
SOME = [hash_leaf(b"leaf %d" % i) for i in range(64)]


class Store:
    """A read_nodes over known leaves that records what it is asked."""

    def __init__(self, leaves):
        self.leaves = leaves
        self.calls = []

    def __call__(self, nodes):
        self.calls.append(list(nodes))
        for level, k in nodes:
            assert (k + 1) << level <= len(self.leaves), "asked for a node outside the tree"
        return [root(self.leaves[k << level : (k + 1) << level]) for level, k in nodes]


def unhex(path):
    return [bytes.fromhex(p) for p in path]


# Known answers -------------------------------------------------------------------------


def test_hasher_known_answers():
    h = KAT["hasher"]
    assert EMPTY_ROOT.hex() == h["empty_root"] == hashlib.sha256(b"").hexdigest()
    assert hash_leaf(b"").hex() == h["empty_leaf"]
    assert hash_leaf(b"L123456").hex() == h["leaf_L123456"]
    assert hash_children(b"N123", b"N456").hex() == h["children_N123_N456"]


def test_roots_of_the_rfc6962_reference_tree():
    for size in range(1, 9):
        assert root(LEAVES[:size]) == ROOTS[size - 1]
        assert tree_root(size, Store(LEAVES)) == ROOTS[size - 1]
    assert root([]) == tree_root(0, Store(LEAVES)) == EMPTY_ROOT


@pytest.mark.parametrize("case", KAT["inclusion"], ids=lambda c: f"leaf{c['leaf']}-of-{c['size']}")
def test_inclusion_proofs_of_the_rfc6962_reference_tree(case):
    index, size, path = case["leaf"] - 1, case["size"], unhex(case["path"])
    assert inclusion_proof(index, size, Store(LEAVES)) == path
    assert verify_inclusion(index, size, LEAVES[index], path, ROOTS[size - 1])


@pytest.mark.parametrize("case", KAT["consistency"], ids=lambda c: f"{c['size1']}-to-{c['size2']}")
def test_consistency_proofs_of_the_rfc6962_reference_tree(case):
    old, new, path = case["size1"], case["size2"], unhex(case["path"])
    assert consistency_proof(old, new, Store(LEAVES)) == path
    assert verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], path)


@pytest.mark.parametrize("case", KAT["inclusion_nodes"], ids=lambda c: f"{c['index']}-of-{c['size']}")
def test_an_inclusion_proof_reads_the_nodes_transparency_dev_reads(case):
    store = Store([hash_leaf(b"%d" % i) for i in range(case["size"])])
    inclusion_proof(case["index"], case["size"], store)
    asked = [tuple(n) for call in store.calls for n in call]
    assert sorted(asked) == sorted(tuple(n) for n in case["nodes"])
    assert len(store.calls) <= 1


@pytest.mark.parametrize("case", KAT["consistency_nodes"], ids=lambda c: f"{c['size1']}-to-{c['size2']}")
def test_a_consistency_proof_reads_the_nodes_transparency_dev_reads(case):
    store = Store([hash_leaf(b"%d" % i) for i in range(case["size2"])])
    consistency_proof(case["size1"], case["size2"], store)
    asked = [tuple(n) for call in store.calls for n in call]
    assert sorted(asked) == sorted(tuple(n) for n in case["nodes"])
    assert len(store.calls) <= 1


# Every tree up to 64 leaves --------------------------------------------------------------


def flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 0x10]) + h[1:]


def inclusion_forgeries(index, size, leaf, path, good_root):
    yield index, size, leaf, path, flip(good_root)
    yield index, size, flip(leaf), path, good_root
    yield index, size, leaf, path + [good_root], good_root
    yield index, size, leaf, [good_root] + path, good_root
    if path:
        yield index, size, leaf, path[:-1], good_root
        yield index, size, leaf, path[1:], good_root
    for i in range(len(path)):
        yield index, size, leaf, path[:i] + [flip(path[i])] + path[i + 1 :], good_root
    for other in (index - 1, index + 1, index ^ 2, size):
        if 0 <= other != index:
            yield other, size, leaf, path, good_root
    # RFC 9162's verifier knows the size only through the path's shape: (0, 3) and (0, 4)
    # accept the same path, and it is the signed checkpoint that binds a root to its size.
    # So a wrong size must be refused when its proof would have another length.
    for other in (size - 1, size + 1, size * 2, size // 2):
        if index < other != size and len(inclusion_proof(index, other, Store(SOME * 2))) != len(path):
            yield index, other, leaf, path, good_root


def consistency_forgeries(old, new, old_root, new_root, path):
    yield old, new, flip(old_root), new_root, path
    yield old, new, old_root, flip(new_root), path
    yield old, new, new_root, old_root, path
    yield old, new, old_root, new_root, path + [new_root]
    yield old, new, old_root, new_root, [old_root] + path
    if path:
        yield old, new, old_root, new_root, path[:-1]
        yield old, new, old_root, new_root, path[1:]
    for i in range(len(path)):
        yield old, new, old_root, new_root, path[:i] + [flip(path[i])] + path[i + 1 :]
    for other in (old - 1, old + 1, old ^ 2):
        if 0 < other <= new and other != old:
            yield other, new, old_root, new_root, path
    for other in (new - 1, new + 1, new * 2):  # as for inclusion, sizes are bound by the path's shape
        if old < other != new and len(consistency_proof(old, other, Store(SOME * 2))) != len(path):
            yield old, other, old_root, new_root, path


def test_every_proof_of_every_tree_up_to_64_leaves():
    roots = [root(SOME[:n]) for n in range(65)]
    for n in range(1, 65):
        store = Store(SOME[:n])
        assert tree_root(n, store) == roots[n]
        for index in range(n):
            path = inclusion_proof(index, n, store)
            assert verify_inclusion(index, n, SOME[index], path, roots[n]), (index, n)
            for forged in inclusion_forgeries(index, n, SOME[index], path, roots[n]):
                assert not verify_inclusion(*forged), (index, n, forged[:2])
        for m in range(1, n + 1):
            path = consistency_proof(m, n, store)
            assert verify_consistency(m, n, roots[m], roots[n], path), (m, n)
            if m == n:
                assert path == []
                continue
            for forged in consistency_forgeries(m, n, roots[m], roots[n], path):
                assert not verify_consistency(*forged), (m, n, forged[:2])
        # One read per root or proof, never two, and none for an empty proof.
        assert len(store.calls) == 1 + (n if n > 1 else 0) + (n - 1)


def test_old_equal_to_new_and_old_zero():
    r = root(SOME[:5])
    assert verify_consistency(5, 5, r, r, [])
    assert not verify_consistency(5, 5, r, flip(r), [])
    assert not verify_consistency(5, 5, r, r, [r])
    assert consistency_proof(0, 5, Store(SOME)) == [] and consistency_proof(5, 5, Store(SOME)) == []
    assert verify_consistency(0, 5, EMPTY_ROOT, r, [])
    assert not verify_consistency(0, 5, r, r, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, r, [r])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, r, [])


def test_verifiers_reject_impossible_sizes_without_raising():
    r = root(SOME[:4])
    assert not verify_inclusion(4, 4, SOME[0], [], r)
    assert not verify_inclusion(-1, 4, SOME[0], [], r)
    assert not verify_inclusion(0, 0, SOME[0], [], EMPTY_ROOT)
    assert not verify_consistency(5, 4, r, r, [])
    assert not verify_consistency(-1, 4, r, r, [])
    assert not verify_inclusion(0, 1, b"short", [], b"short")
    assert not verify_inclusion(0, 2, SOME[0], ["not bytes"], r)
    assert not verify_inclusion(True, 2, SOME[0], [SOME[1]], root(SOME[:2]))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(-3, 70), st.integers(-3, 70),
    st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32),
    st.lists(st.binary(min_size=30, max_size=33), max_size=8),
)
def test_verifiers_never_raise_on_garbage(a, b, h1, h2, path):
    assert verify_inclusion(a, b, h1, path, h2) in (True, False)
    assert verify_consistency(a, b, h1, h2, path) in (True, False)


def test_generators_refuse_out_of_range_arguments():
    store = Store(SOME)
    for index, size in [(0, 0), (5, 5), (-1, 3), (6, 5)]:
        with pytest.raises(ValueError):
            inclusion_proof(index, size, store)
    for old, new in [(6, 5), (-1, 5), (0, -1)]:
        with pytest.raises(ValueError):
            consistency_proof(old, new, store)
    with pytest.raises(ValueError):
        tree_root(-1, store)
    with pytest.raises(ValueError):
        tree_root(3, lambda nodes: [b"\x00" * 32])  # a reader that returns too few hashes
    assert store.calls == []


def test_a_proof_in_a_million_leaf_tree_is_one_read_of_few_nodes():
    calls = []

    def read_nodes(nodes):
        calls.append(nodes)
        return [hashlib.sha256(b"%d/%d" % n).digest() for n in nodes]

    for index in (0, 1, 123_456, 999_999):
        calls.clear()
        assert len(inclusion_proof(index, 1_000_000, read_nodes)) <= 20
        assert len(calls) == 1 and len(calls[0]) <= 40
    calls.clear()
    consistency_proof(654_321, 1_000_000, read_nodes)
    assert len(calls) == 1 and len(calls[0]) <= 60
    calls.clear()
    tree_root(1_000_000, read_nodes)
    assert calls == [[(19, 0), (18, 2), (17, 6), (16, 14), (14, 60), (9, 1952), (6, 15624)]]


def test_range_nodes_are_the_maximal_aligned_subtrees():
    assert range_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert range_nodes(3, 9) == [(0, 3), (2, 1), (0, 8)]
    assert range_nodes(5, 5) == []
    for a in range(40):
        for b in range(a, 40):
            covered = [i for level, k in range_nodes(a, b) for i in range(k << level, (k + 1) << level)]
            assert covered == list(range(a, b))


# The frontier ---------------------------------------------------------------------------


def test_frontier_gives_the_root_at_every_size_and_the_subtrees_each_leaf_completes():
    leaves = [hash_leaf(b"entry %d" % i) for i in range(201)]
    f = Frontier()
    assert f.root() == EMPTY_ROOT and f.to_bytes() == b""
    for n, leaf in enumerate(leaves):
        completed = f.append(leaf)
        expected = []
        level = 1
        while (n + 1) % (1 << level) == 0:
            k = (n + 1) // (1 << level) - 1
            expected.append(root(leaves[k << level : (k + 1) << level]))
            level += 1
        assert completed == expected, n
        assert f.size == n + 1
        assert f.root() == root(leaves[: n + 1])
        assert Frontier.from_bytes(f.size, f.to_bytes()) == f


def test_frontier_extend_and_append_subtree_agree_with_append():
    leaves = [hash_leaf(b"%d" % i) for i in range(300)]
    for cut in (0, 1, 2, 3, 7, 64, 100, 255, 256, 299):
        one, many = Frontier(), Frontier()
        for leaf in leaves:
            one.append(leaf)
        many.extend(leaves[:cut])
        many.extend(leaves[cut:])
        assert many == one
    joined = Frontier()
    for level, k in range_nodes(0, 37) + range_nodes(37, 300):
        joined.append_subtree(level, root(leaves[k << level : (k + 1) << level]))
    assert joined == one
    with pytest.raises(ValueError):
        Frontier(3, [b"\x00" * 32]).append_subtree(1, b"\x00" * 32)


def test_frontier_from_bytes_checks_its_length():
    with pytest.raises(ValueError):
        Frontier.from_bytes(3, b"\x00" * 32)
    with pytest.raises(ValueError):
        Frontier(2, [])
    assert Frontier.from_bytes(0, b"") == Frontier()
