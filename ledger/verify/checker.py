"""The log, entry by entry: LogChecker, and checking a whole export with it.

`LogChecker.add` is the reference: one line at a time through the line check
(ledger/verify/reference.py), then the checks that need the entries before it (seq, the
prev hash chain, ts order, every subject's stages forming a path) and the Merkle tree.
`add_many`, `check_bytes` and `check_file` take the fast path (ledger/verify/fast.py) and
join its summaries of whole chunks to the log; whenever it is not sure, or finds a problem,
the reference checks those lines again, so both give the same verdict, first bad seq and
message.
"""

import binascii
import gc
import hashlib
import json
import os
from collections.abc import Iterable
from itertools import repeat

from ledger.core.merkle import Frontier

from .fast import (
    _TEMPLATES,
    CHUNK_SIZE,
    _Chunk,
    _chunk_bounds,
    _pread,
    _scan_chunk,
    _scanned_in_parallel,
)
from .reference import (
    _BIDS_CLOSED_TOKEN,
    _NULL,
    _TRANSITION_TOKEN,
    _ZERO_PREV,
    VerifyError,
    _check_line,
    _commitments,
    _Facts,
    _LineError,
    _name,
)

_sha256 = hashlib.sha256
_hexlify = binascii.hexlify


class LogChecker:
    """Checks a log entry by entry, keeping what the checks of later entries need.

    `add(body)` takes one entry's bytes (without the newline) and raises VerifyError on the
    first problem; `add_many` does the same for many at a time, faster. `want_root_at`
    asks for the tree roots at chosen sizes, found in `roots` once the log reaches them.
    """

    def __init__(self):
        self._size = 0
        self._prev: bytes | None = None  # leaf hash of the last entry
        self._last_ts = b""
        self._last_to: dict[bytes, bytes] = {}  # subject -> to of its last transition
        self.bids_closed: dict[str, list[tuple[int, list[str]]]] = {}  # subject -> [(seq, commitments)]
        self._frontier = Frontier()
        self._wanted: set[int] = set()
        self.roots: dict[int, bytes] = {}

    @property
    def size(self) -> int:
        return self._size

    @property
    def last_leaf_hash(self) -> bytes | None:
        return self._prev

    def root(self) -> bytes:
        """The Merkle root of the entries added so far."""
        return self._frontier.root()

    def want_root_at(self, sizes: Iterable[int]) -> None:
        """Record in `roots[size]` the tree root when the log reaches each of these sizes."""
        for size in sizes:
            if not isinstance(size, int) or size < 0:
                raise ValueError(f"a tree size is a non-negative integer, not {size!r}")
            if size == self._size:
                self.roots[size] = self.root()
            elif size < self._size:
                if size not in self.roots:
                    raise ValueError(f"the log is already past size {size}")
            else:
                self._wanted.add(size)

    def copy(self) -> "LogChecker":
        """An independent checker in the same state (to try several continuations)."""
        other = LogChecker()
        other._size, other._prev, other._last_ts = self._size, self._prev, self._last_ts
        other._last_to = dict(self._last_to)
        other.bids_closed = {subject: list(closed) for subject, closed in self.bids_closed.items()}
        other._frontier = self._frontier.copy()
        other._wanted, other.roots = set(self._wanted), dict(self.roots)
        return other

    def add(self, body: bytes) -> None:
        """Check one more entry (its bytes without the newline); VerifyError if it is bad."""
        seq = self._size
        try:
            _, facts = _check_line(bytes(body))
        except _LineError as exc:
            raise VerifyError(seq, str(exc)) from None
        self._chain(seq, facts)
        self._append(facts, _sha256(b"\x00" + body).digest())

    def add_many(self, bodies: Iterable[bytes]) -> None:
        """Check many entries in order; the same verdict as `add` on each, several times faster."""
        with _collector_paused():
            self._add_many(bodies)

    def _add_many(self, bodies: Iterable[bytes]) -> None:
        batch, size = [], 0
        for body in bodies:
            batch.append(bytes(body))
            size += len(body) + 1
            if size >= CHUNK_SIZE:
                self._add_batch(batch)
                batch, size = [], 0
        if batch:
            self._add_batch(batch)

    def _add_batch(self, batch: list[bytes]) -> None:
        data = b"\n".join(batch) + b"\n"
        if data.count(b"\n") != len(batch):  # a body with a newline in it: the reference says why
            for body in batch:
                self.add(body)
            return
        self._add_chunk(data)

    def _add_chunk(self, data: bytes, scanned: "_Chunk | None | bool" = True) -> None:
        """Check complete lines `data` (each ending in a newline) that come next in the log.

        `scanned` is the fast path's summary of them if one was made elsewhere (None: it
        found a doubt), True to make it here, or False to use the reference only.
        """
        if scanned is True:
            scanned = _scan_chunk(data, _TEMPLATES, self._size, self._wanted)
        if not scanned or not self._absorb(scanned):
            lines = data.split(b"\n")
            lines.pop()
            for line in lines:
                self.add(line)

    def _chain(self, seq: int, f: _Facts) -> None:
        # The checks that need the entries before this one, in a fixed order.
        if f.seq != b"%d" % seq:
            raise VerifyError(seq, f"seq is {f.seq.decode()}, expected {seq} (entries are numbered 0, 1, 2, ... without gaps)")
        if seq == 0:
            if f.prev != _ZERO_PREV:
                raise VerifyError(seq, "prev of the first entry must be 64 zeros")
        elif f.prev != _hexlify(self._prev):
            raise VerifyError(seq, f"prev does not match the leaf hash of seq {seq - 1}")
        if f.ts < self._last_ts:
            raise VerifyError(
                seq, f"ts {f.ts.decode()} is earlier than the ts of seq {seq - 1} ({self._last_ts.decode()})"
            )
        if f.kind == _TRANSITION_TOKEN:
            last = self._last_to.get(f.subject)
            if last is None:
                if f.frm != _NULL:
                    raise VerifyError(
                        seq,
                        f"this is the first transition of {_name(f.subject)}, so its from must be null, "
                        f"not {_name(f.frm)}",
                    )
            elif f.frm == _NULL:
                raise VerifyError(
                    seq,
                    f"from is null, but {_name(f.subject)} already has transitions "
                    f"(its last one went to {_name(last)})",
                )
            elif f.frm != last:
                raise VerifyError(
                    seq,
                    f"from {_name(f.frm)} breaks the path of {_name(f.subject)}: "
                    f"its last transition went to {_name(last)}",
                )

    def _append(self, f: _Facts, leaf: bytes) -> None:
        seq = self._size
        if f.kind == _TRANSITION_TOKEN:
            self._last_to[f.subject] = f.to
        elif f.kind == _BIDS_CLOSED_TOKEN:
            self.bids_closed.setdefault(json.loads(f.subject), []).append((seq, _commitments(f.extra)))
        self._frontier.append(leaf)
        self._size = seq + 1
        self._prev = leaf
        self._last_ts = f.ts
        if self._size in self._wanted:
            self._wanted.discard(self._size)
            self.roots[self._size] = self._frontier.root()

    def _absorb(self, c: "_Chunk") -> bool:
        """Take a chunk the fast path accepted, if it joins on; False (nothing taken) if not."""
        base = self._size
        if c.start != base or c.first_seq != base or c.first_prev != (_ZERO_PREV if base == 0 else _hexlify(self._prev)):
            return False
        if c.first_ts < self._last_ts:
            return False
        if list(map(self._last_to.get, c.subjects, repeat(_NULL))) != c.first_frms:
            return False
        self._last_to.update(zip(c.subjects, c.last_tos, strict=True))
        for i, subject, extra in c.bids:
            self.bids_closed.setdefault(json.loads(subject), []).append((base + i, _commitments(extra)))
        for level, node in c.subtrees:
            self._frontier.append_subtree(level, node)
            size = self._frontier.size
            if size in self._wanted:
                self._wanted.discard(size)
                self.roots[size] = self._frontier.root()
        self._size = base + c.n
        self._prev = c.last_leaf
        self._last_ts = c.last_ts
        return True


class _collector_paused:
    # The fast path makes millions of short-lived tuples and no cycles: the cyclic garbage
    # collector would only walk them again and again.
    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()


def _finish(checker: LogChecker, tail: bytes) -> None:
    # What follows the last newline: nothing, or a line that lost its newline.
    if tail:
        raise VerifyError(checker.size, "the last line has no newline at its end (is the file truncated?)")


def check_bytes(checker: LogChecker, data: bytes, *, fast: bool = True, chunk_size: int = CHUNK_SIZE) -> None:
    """Check a whole export held in memory, in this process; VerifyError on the first problem.

    fast=False is the plain reference: every line through LogChecker.add.
    """
    data = bytes(data)
    cut = data.rfind(b"\n") + 1
    with _collector_paused():
        for start, end in _chunk_bounds(lambda pos, size: data[pos : pos + size], cut, chunk_size):
            checker._add_chunk(data[start:end], fast)
    _finish(checker, data[cut:])


def check_file(checker: LogChecker, path: str, *, workers: int | None = None, chunk_size: int | None = None) -> None:
    """Check an export file on `workers` processes (default: one per core); VerifyError if bad.

    The file is cut at newlines into chunks that worker processes scan
    (fast._scanned_in_parallel); this process joins their summaries in order and checks
    again with the reference any chunk the fast path doubted or that does not join on.
    """
    with open(path, "rb") as f, _collector_paused():
        fd = f.fileno()
        total = os.fstat(fd).st_size
        workers = workers or os.cpu_count() or 1
        if chunk_size is None:  # at most CHUNK_SIZE, and a dozen per worker to keep them all busy
            chunk_size = min(CHUNK_SIZE, max(CHUNK_SIZE // 4, total // (12 * workers)))
        bounds = _chunk_bounds(lambda pos, size: _pread(fd, size, pos), total, chunk_size)
        tail = b""
        if bounds:
            start, end = bounds[-1]
            last = _pread(fd, end - start, start)
            cut = last.rfind(b"\n") + 1
            tail = last[cut:]
            bounds[-1] = (start, start + cut)
            if cut == 0:
                bounds.pop()
        if workers < 2 or len(bounds) < 3:
            for start, end in bounds:
                checker._add_chunk(_pread(fd, end - start, start))
        else:
            with _scanned_in_parallel(path, bounds, checker.size, tuple(checker._wanted), workers) as scans:
                for (start, end), scanned in zip(bounds, scans, strict=True):
                    if scanned is None or not checker._absorb(scanned):
                        checker._add_chunk(_pread(fd, end - start, start), False)
        _finish(checker, tail)
