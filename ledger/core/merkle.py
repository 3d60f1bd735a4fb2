"""The Merkle tree of the log and its proofs: RFC 9162 section 2, the tree of Go's sumdb/tlog.

Nodes are addressed as complete aligned subtrees: node (level, k) covers leaves
[k * 2**level, (k + 1) * 2**level); level 0 holds the leaf hashes. A log that stores, with
each entry, its leaf hash and the nodes that entry completes (what `Frontier.append`
returns) holds every complete node once, and every root or proof of any tree size is a
fold of O(log n) of them. The generators below take a `read_nodes` callable and call it
once per proof with every node they need, so that a proof costs one database query.
"""

import hashlib
from collections.abc import Callable, Sequence
from itertools import repeat

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Frontier",
    "consistency_proof",
    "hash_children",
    "hash_leaf",
    "inclusion_proof",
    "range_nodes",
    "root",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
_sha256 = hashlib.sha256
_digest = type(_sha256()).digest
EMPTY_ROOT = _sha256(b"").digest()

Node = tuple[int, int]
ReadNodes = Callable[[list[Node]], Sequence[bytes]]


def hash_leaf(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of leaf data."""
    return _sha256(b"\x00" + data).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return _sha256(b"\x01" + left + right).digest()


def _hash_pairs(nodes: list[bytes]) -> list[bytes]:
    # One level up at C speed: the parents of nodes[0:2], nodes[2:4], ... (an odd last node is left out).
    pairs = map(b"".join, zip(repeat(b"\x01"), nodes[0::2], nodes[1::2]))
    return list(map(_digest, map(_sha256, pairs)))


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The reference Merkle Tree Hash MTH(D[n]) of RFC 9162 section 2.1.1, over leaf hashes."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return bytes(leaf_hashes[0])
    k = _split(n)
    return hash_children(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


class Frontier:
    """The compact range [0, size) of a growing tree: enough to append and to give the root.

    `hashes` are the roots of the complete aligned subtrees that make up [0, size), one per
    set bit of size, largest (leftmost) first; that is all an appender needs to keep.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()):
        if not _is_int(size) or size < 0:
            raise ValueError(f"a tree size must be a non-negative integer, got {size!r}")
        hashes = [bytes(h) for h in hashes]
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} frontier hashes, not {len(hashes)}")
        if any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError("frontier hashes must be 32 bytes each")
        self._size = size
        self._hashes = hashes

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes) -> list[bytes]:
        """Add one leaf; return the subtrees it completes, levels 1, 2, ... in order.

        A leaf that is a left child completes nothing (empty list). The i-th hash returned
        is node (i + 1, size >> (i + 1)) for the size before the append.
        """
        h = bytes(leaf_hash)
        if len(h) != HASH_SIZE:
            raise ValueError("a leaf hash must be 32 bytes")
        completed = []
        n = self._size
        while n & 1:
            h = hash_children(self._hashes.pop(), h)
            completed.append(h)
            n >>= 1
        self._hashes.append(h)
        self._size += 1
        return completed

    def extend(self, leaf_hashes: Sequence[bytes]) -> None:
        """Add many leaves at once (same result as appending each; hashes a level at a time)."""
        cur = [bytes(h) for h in leaf_hashes]
        if len(b"".join(cur)) != HASH_SIZE * len(cur):
            raise ValueError("leaf hashes must be 32 bytes each")
        count = len(cur)
        index = self._size  # index, at the current level, of cur[0]
        leftovers = []
        while cur:
            if index & 1:  # cur[0] is a right child: its left sibling is the smallest frontier hash
                first = hash_children(self._hashes.pop(), cur[0])
                rest = cur[1:]
                tail = rest[-1] if len(rest) & 1 else None
                cur = [first, *_hash_pairs(rest)]
            else:
                tail = cur[-1] if len(cur) & 1 else None
                cur = _hash_pairs(cur)
            if tail is not None:
                leftovers.append(tail)
            index >>= 1
        self._hashes.extend(reversed(leftovers))
        self._size += count

    def append_subtree(self, level: int, node: bytes) -> None:
        """Add 2**level leaves at once, given as the root of their complete subtree.

        The tree size must be a multiple of 2**level (the subtree is aligned). Lets work
        on separate parts of a log be joined without handing every leaf over.
        """
        if not _is_int(level) or level < 0 or self._size & ((1 << level) - 1):
            raise ValueError(f"a subtree of level {level!r} cannot start at leaf {self._size}")
        h = bytes(node)
        if len(h) != HASH_SIZE:
            raise ValueError("a subtree hash must be 32 bytes")
        n = self._size >> level
        while n & 1:
            h = hash_children(self._hashes.pop(), h)
            n >>= 1
        self._hashes.append(h)
        self._size += 1 << level

    def root(self) -> bytes:
        """MTH of the leaves appended so far (EMPTY_ROOT for none)."""
        if not self._hashes:
            return EMPTY_ROOT
        r = self._hashes[-1]
        for h in reversed(self._hashes[:-1]):
            r = hash_children(h, r)
        return r

    def to_bytes(self) -> bytes:
        """The frontier hashes concatenated (32 * popcount(size) bytes); see from_bytes."""
        return b"".join(self._hashes)

    @classmethod
    def from_bytes(cls, size: int, blob: bytes) -> "Frontier":
        blob = bytes(blob)
        if not _is_int(size) or size < 0 or len(blob) != HASH_SIZE * size.bit_count():
            raise ValueError(f"a frontier of size {size!r} takes {HASH_SIZE}*popcount(size) bytes, not {len(blob)}")
        return cls(size, [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)])

    def copy(self) -> "Frontier":
        return Frontier(self._size, self._hashes)

    def __eq__(self, other):
        if not isinstance(other, Frontier):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    def __repr__(self):
        return f"Frontier(size={self._size}, root={self.root().hex()[:16]}…)"


def range_nodes(start: int, end: int) -> list[Node]:
    """The maximal complete aligned subtrees covering leaves [start, end), left to right."""
    if not (_is_int(start) and _is_int(end)) or not 0 <= start <= end:
        raise ValueError(f"bad leaf range [{start!r}, {end!r})")
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    # MTH of a range that is a subtree of the whole tree ([a, b) with a aligned to a power
    # of two >= b - a): its aligned pieces shrink left to right, and MTH nests them rightwards.
    r = hashes[-1]
    for h in reversed(hashes[:-1]):
        r = hash_children(h, r)
    return r


def _ranges_hashes(ranges: list[tuple[int, int]], read_nodes: ReadNodes) -> list[bytes]:
    # Decompose every range first, read all nodes in one call, then fold each range.
    pieces = [range_nodes(a, b) for a, b in ranges]
    wanted = [node for nodes in pieces for node in nodes]
    if not wanted:
        return []
    got = list(read_nodes(wanted))
    if len(got) != len(wanted):
        raise ValueError(f"read_nodes returned {len(got)} hashes for {len(wanted)} nodes")
    got = [bytes(h) for h in got]
    if any(len(h) != HASH_SIZE for h in got):
        raise ValueError("read_nodes returned a hash that is not 32 bytes")
    out, i = [], 0
    for nodes in pieces:
        out.append(_fold(got[i : i + len(nodes)]))
        i += len(nodes)
    return out


def tree_root(size: int, read_nodes: ReadNodes) -> bytes:
    """MTH of the first `size` leaves, from stored nodes (read_nodes called at most once)."""
    if not _is_int(size) or size < 0:
        raise ValueError(f"tree size must be a non-negative integer, got {size!r}")
    if size == 0:
        return EMPTY_ROOT
    return _ranges_hashes([(0, size)], read_nodes)[0]


def inclusion_proof(index: int, size: int, read_nodes: ReadNodes) -> list[bytes]:
    """The RFC 9162 audit path PATH(index, D[size]), bottom-up.

    read_nodes is called at most once (not at all for the empty path of a one-leaf tree).
    """
    if not (_is_int(index) and _is_int(size)) or not 0 <= index < size:
        raise ValueError(f"an inclusion proof needs 0 <= index < size, got index {index!r}, size {size!r}")
    ranges = []  # top-down; the path lists them bottom-up
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return _ranges_hashes(ranges, read_nodes)


def consistency_proof(old: int, new: int, read_nodes: ReadNodes) -> list[bytes]:
    """The RFC 9162 consistency proof PROOF(old, D[new]).

    Empty when old == new or old == 0 (every tree extends itself and the empty tree), as
    in transparency-dev/merkle; read_nodes is called at most once.
    """
    if not (_is_int(old) and _is_int(new)) or not 0 <= old <= new:
        raise ValueError(f"a consistency proof needs 0 <= old <= new, got old {old!r}, new {new!r}")
    if old == 0 or old == new:
        return []
    ranges = []  # SUBPROOF(old, D[0:new], true), outermost first
    lo, hi, whole = 0, new, True
    while old != hi:
        k = _split(hi - lo)
        if old <= lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            whole = False
    if not whole:
        ranges.append((lo, hi))
    ranges.reverse()
    return _ranges_hashes(ranges, read_nodes)


def verify_inclusion(index: int, size: int, leaf_hash: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: does `path` prove leaf `index` of the tree (size, root)?"""
    if not (_is_int(index) and _is_int(size)) or not 0 <= index < size:
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root) and _all_hashes(path)):
        return False
    fn, sn, r = index, size - 1, bytes(leaf_hash)
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: does `path` prove tree (old, old_root) a prefix of (new, new_root)?

    old == new: valid only with an empty path and equal roots. old == 0: valid only with
    an empty path and old_root == EMPTY_ROOT (new_root is then unconstrained: the empty
    tree is a prefix of every tree). old > new or a negative size: never valid.
    """
    if not (_is_int(old) and _is_int(new)) or not 0 <= old <= new:
        return False
    if not (_is_hash(old_root) and _is_hash(new_root) and _all_hashes(path)):
        return False
    path = [bytes(p) for p in path]
    if old == 0:
        return not path and old_root == EMPTY_ROOT and (new != 0 or new_root == EMPTY_ROOT)
    if old == new:
        return not path and old_root == new_root
    if not path:
        return False
    if old & (old - 1) == 0:  # old is a power of two: its root is a node of the new tree
        path.insert(0, bytes(old_root))
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_hash(h) -> bool:
    return isinstance(h, bytes | bytearray | memoryview) and len(h) == HASH_SIZE


def _all_hashes(path) -> bool:
    return isinstance(path, list | tuple) and all(_is_hash(p) for p in path)
