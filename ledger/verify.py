"""The offline verifier of a ledger export: `python -m ledger.verify --entries FILE --key KEY`.

It checks everything LEDGER.md lets an outsider check without trusting the station: every
line is exactly its entry's canonical bytes, the seq numbers, the prev hash chain, the
order of time stamps, every transaction's stages forming a path, the Merkle root against
a signed checkpoint, an older checkpoint being a prefix (history not rewritten), and bid
receipts against the `bids.closed` entries. On the first problem it names the seq.

`LogChecker.add` is the reference: one line at a time, parse, re-serialise, compare, check.
Exports of a million entries are checked by a fast path that proves most lines canonical
with a regular expression built from a line of the same shape that the reference has
accepted, works on whole buffers, and runs on every core; whenever the fast path is not
sure, or finds a problem, the reference checks those lines again, so both always give the
same verdict, first bad seq and message (tests/ledger/test_verify_cli.py holds them to it).
"""

import argparse
import base64
import binascii
import gc
import hashlib
import json
import multiprocessing
import os
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import compress, repeat
from operator import call, itemgetter, le, methodcaller
from typing import NamedTuple

from .core.checkpoint import Checkpoint, CheckpointError, parse_checkpoint, parse_receipt
from .core.entry import BIDS_CLOSED, TRANSITION, TRANSITION_TYPES, EntryError, check_entry
from .core.jcs import CanonicalError, canonical_bytes
from .core.merkle import EMPTY_ROOT, Frontier, range_nodes
from .core.note import NoteError, Verifier, open_note

__all__ = ["LogChecker", "Report", "UsageError", "VerifyError", "check_bytes", "check_file", "main", "verify_files"]

CHUNK_SIZE = 4 << 20  # bytes of export per unit of work
_sha256 = hashlib.sha256
_digest = type(_sha256()).digest
_hexlify = binascii.hexlify
_ZERO_PREV = b"0" * 64
_NULL = b"null"
_TRANSITION_TOKEN = b'"transition"'
_BIDS_CLOSED_TOKEN = b'"bids.closed"'


class VerifyError(Exception):
    """The first problem found in a log: `seq` of the bad entry (None if none applies) and why."""

    def __init__(self, seq: int | None, message: str):
        super().__init__(seq, message)
        self.seq = seq
        self.message = message

    def __str__(self):
        return self.message if self.seq is None else f"seq {self.seq}: {self.message}"


class UsageError(Exception):
    """A command-line mistake: a missing file, a key that is not a verifier key (exit 2)."""


# ---------------------------------------------------------------------------------------
# One line by itself (the reference)

# Facts about one accepted line that the chain checks need, as raw canonical bytes: the
# from, to, kind and subject as JSON string tokens (b'"draft"', or b"null" for from), prev
# and ts as they are written, seq in decimal, and a bids.closed entry's commitments as the
# bytes inside its list. The fast path reads the very same bytes out of the line.
class _Facts(NamedTuple):
    frm: bytes
    to: bytes
    extra: bytes
    kind: bytes
    prev: bytes
    seq: bytes
    subject: bytes
    ts: bytes


class _LineError(ValueError):
    pass


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def _token(s: str) -> bytes:
    # A string's canonical JSON token (what canonical_bytes writes for it).
    return json.dumps(s, ensure_ascii=False).encode("utf-8")


def _check_line(body: bytes) -> tuple[dict, _Facts]:
    """Parse one line and check everything it must satisfy by itself; _LineError if not."""
    if body.endswith(b"\r"):
        raise _LineError("the line ends with a carriage return (CRLF); lines must end with LF only")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _LineError(f"the line is not valid UTF-8 (byte {exc.start})") from None
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise _LineError(f"the line has the key {json.dumps(exc.args[0])} twice") from None
    except ValueError as exc:
        raise _LineError(f"the line is not valid JSON ({exc})") from None
    try:
        canonical = canonical_bytes(obj)
    except CanonicalError as exc:
        raise _LineError(str(exc)) from None
    if canonical != body:
        at = next((i for i, (a, b) in enumerate(zip(canonical, body, strict=False)) if a != b), None)
        at = min(len(canonical), len(body)) if at is None else at
        raise _LineError(f"the line is not in canonical form (RFC 8785): it differs from its canonical bytes at byte {at}")
    try:
        check_entry(obj)
    except EntryError as exc:
        raise _LineError(str(exc)) from None
    data, kind = obj["data"], obj["kind"]
    frm = to = extra = b""
    if kind == TRANSITION:
        frm = _NULL if data["from"] is None else _token(data["from"])
        to = _token(data["to"])
    elif kind == BIDS_CLOSED:
        extra = b",".join(_token(c) for c in data["commitments"])
    facts = _Facts(
        frm, to, extra, _token(kind), obj["prev"].encode(), b"%d" % obj["seq"], _token(obj["subject"]), obj["ts"].encode()
    )
    return obj, facts


def _commitments(extra: bytes) -> list[str]:
    return extra[1:-1].decode("ascii").split('","') if extra else []


def _name(token: bytes) -> str:
    return json.dumps(json.loads(token), ensure_ascii=False)


# ---------------------------------------------------------------------------------------
# The log


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


# ---------------------------------------------------------------------------------------
# The fast path: whole buffers, one regular expression match per line.
#
# A line that matches a pattern built by _entry_pattern from an entry the reference has
# accepted is canonical and passes check_entry, given what is checked on the whole buffer
# (valid UTF-8, text in NFC) and on the columns of facts the matches give. The pattern is
# that entry's canonical bytes with every string value widened to "any string that needs
# no escape", every integer to "any integer of at most 15 digits, without leading zeros or
# -0" (so below 2**53), and the fields LEDGER.md constrains narrowed to what it allows;
# prev, seq and ts are left loose and pinned down on their columns (the previous leaf
# hash, the expected number, the time stamp format, dates that exist, order). Where a
# buffer holds no backslash and no control byte at all, the "relaxed" form of the pattern
# can say just [^"]* for a string, which the regex engine runs much faster.
# Lines with escapes or new shapes go to the reference one by one.
# (NFC of the whole buffer implies NFC of every string: they are delimited by '"', which
# neither composes nor reorders with anything.)

_STR = rb'"[^"\\\x00-\x1f]*+"'
_STR_RELAXED = rb'"[^"]*+"'
_INT = rb"(?:-?[1-9][0-9]{0,14}+|0)"
_HEX64 = rb'"[0-9a-f]{64}"'
_TS = rb"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"
_TS_COLUMN = re.compile(b"(?:" + _TS + b"\n)*" + _TS)  # a chunk's time stamps, joined by newlines
# Every pattern has these groups in this textual order, so m.groups() lines them up.
_GROUPS = ("frm", "to", "extra", "kind", "prev", "seq", "subject", "ts")
_group_facts = methodcaller("groups")
_PLACEHOLDER = re.compile(b"".join(b"(?P<%s>)" % name.encode() for name in _GROUPS)).match(b"")
# A line's skeleton: its bytes among {}[]:," (and any backslash or control byte): a cheap
# key to the pattern that fits it. A buffer whose skeletons hold no backslash and no control
# byte can be matched with the relaxed patterns, whose strings are simply [^"]*.
_STRUCTURE = b'{}[]:,"\n'
_NOT_SKELETON = bytes(b for b in range(256) if b not in _STRUCTURE and b != 0x5C and b >= 0x20)


def _value_pattern(value, special=None) -> bytes:
    if value is None:
        return b"null"
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, str):
        return _STR
    if isinstance(value, int):
        return _INT
    if isinstance(value, list):
        return rb"\[" + b",".join(_value_pattern(v) for v in value) + rb"\]"
    special = special or {}
    members = (re.escape(_token(k) + b":") + special.get(k, _value_pattern(value[k])) for k in sorted(value))
    return rb"\{" + b",".join(members) + rb"\}"


def _entry_pattern(obj: dict) -> bytes:
    """The pattern of every valid entry shaped like `obj` (an entry the reference accepted)."""
    data, kind = obj["data"], obj["kind"]
    special = {}
    if kind == TRANSITION:
        special["type"] = b'"(?:' + b"|".join(sorted(t.encode() for t in TRANSITION_TYPES)) + b')"'
        special["from"] = b"(?P<frm>null|" + _STR + b")"
        special["to"] = b"(?P<to>" + _STR + b")"
    elif kind == BIDS_CLOSED:
        k = len(data["commitments"])
        special["count"] = b"%d" % k
        special["commitments"] = (
            rb"\[(?P<extra>" + _HEX64 + (b"(?:," + _HEX64 + b"){%d}" % (k - 1) if k > 1 else b"") + rb")\]"
            if k
            else rb"\[\](?P<extra>)"
        )
    # frm, to and extra come first in the text of every pattern (empty groups where the
    # kind has no such field), then kind, prev, seq, subject, ts.
    before = b"(?P<frm>)(?P<to>)" if kind == BIDS_CLOSED else b""
    after = {TRANSITION: b"(?P<extra>)", BIDS_CLOSED: b""}.get(kind, b"(?P<frm>)(?P<to>)(?P<extra>)")
    return (
        before + rb'\{"actor":' + _value_pattern(obj["actor"]) + rb',"data":' + _value_pattern(data, special) + after
        # prev, seq and ts are loose here; _scan_chunk pins them down on their columns:
        # prev to the previous leaf hash, seq to the expected number, ts to the format.
        + rb',"kind":(?P<kind>' + re.escape(_token(kind)) + rb'),"prev":"(?P<prev>.{64})"'
        + rb',"seq":(?P<seq>[0-9]{1,16}+),"subject":(?P<subject>' + _STR + rb'),"ts":"(?P<ts>.{27})","v":1\}'
    )


def _no_match(line):
    return None


class _Template(NamedTuple):
    strict: object  # fullmatch of the pattern as written: fit for any line
    relaxed: object  # the same with string contents as [^"]*: only where no \\ or control byte is


class _Templates:
    """The patterns learned so far (most useful first) and which skeleton leads to which."""

    MAX_PATTERNS = 256
    MAX_SKELETONS = 4096

    def __init__(self):
        self.templates: list[_Template] = []  # most recently useful first
        self.known: dict[bytes, _Template] = {}  # pattern -> its template
        self.strict: dict = {}  # skeleton -> strict fullmatch
        self.relaxed: dict = {}  # skeleton -> relaxed fullmatch

    def find(self, line: bytes, skeleton: bytes):
        for i, template in enumerate(self.templates):
            m = template.strict(line)
            if m is not None:
                if i > 4:  # keep the ones in use near the front
                    self.templates.insert(0, self.templates.pop(i))
                self._remember(skeleton, template)
                return m
        return None

    def learn(self, obj: dict, line: bytes, skeleton: bytes) -> None:
        pattern = _entry_pattern(obj)
        if pattern in self.known:
            return
        if len(self.templates) >= self.MAX_PATTERNS:
            self.known.pop(self.templates.pop().strict.__self__.pattern, None)
        template = self.known[pattern] = _Template(
            re.compile(pattern).fullmatch, re.compile(pattern.replace(_STR, _STR_RELAXED)).fullmatch
        )
        self.templates.insert(0, template)
        if template.strict(line) is not None:  # a line with escapes cannot match; its shape may serve others
            self._remember(skeleton, template)

    def _remember(self, skeleton: bytes, template: _Template) -> None:
        if len(self.strict) >= self.MAX_SKELETONS:
            self.strict.clear()
            self.relaxed.clear()
        self.strict[skeleton] = template.strict
        self.relaxed[skeleton] = template.relaxed


_TEMPLATES = _Templates()  # per process


class _Chunk(NamedTuple):
    """What the fast path hands on from a run of lines it accepted, to join it to the log."""

    start: int  # the seq the chunk was scanned to start at
    n: int
    first_seq: int
    first_prev: bytes
    first_ts: bytes
    last_ts: bytes
    last_leaf: bytes
    subtrees: list  # (level, hash) of aligned subtrees covering the chunk, none across a wanted size
    subjects: list  # the subjects with transitions in the chunk; for each, the from of its
    first_frms: list  # first transition in the chunk and the to of its last
    last_tos: list
    bids: list  # (index in chunk, subject, commitments bytes) of bids.closed entries


PIECE_SIZE = 64 << 10  # bytes taken through decode, hash and match at a time: they stay in cache


def _scan_piece(data: bytes, templates: _Templates, leaves: list, facts: list) -> bool:
    """Add the leaf hashes and facts of complete lines `data`; False if a line is bad."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    lines = data.split(b"\n")
    lines.pop()
    leaves += map(_digest, map(_sha256, map(b"\x00".__add__, lines)))
    skeletons = data.translate(None, _NOT_SKELETON)
    clean = not skeletons.translate(None, _STRUCTURE)  # no backslash, no control byte but newline
    skeletons = skeletons.split(b"\n")
    nfc = text.isascii() or unicodedata.is_normalized("NFC", text)
    if nfc:
        matchers = map((templates.relaxed if clean else templates.strict).get, skeletons, repeat(_no_match))
        matches = list(map(call, matchers, lines))
    else:
        matches = [None] * len(lines)  # the reference checks every string for NFC
    slow = {}
    if None in matches:
        for i in [i for i, m in enumerate(matches) if m is None]:
            line = lines[i]
            escaped = b"\\" in line  # an escape in a string: no pattern fits, the reference checks it
            m = templates.find(line, skeletons[i]) if nfc and not escaped else None
            if m is None:
                try:
                    obj, slow[i] = _check_line(line)
                except _LineError:
                    return False
                if not escaped:
                    templates.learn(obj, line, skeletons[i])
                m = _PLACEHOLDER
            matches[i] = m
    found = list(map(_group_facts, matches))
    for i, f in slow.items():
        found[i] = f
    facts += found
    return True


def _scan_chunk(data: bytes, templates: _Templates, start: int, wanted=()) -> _Chunk | None:
    """Check complete lines `data` (ending in a newline) as far as they go by themselves.

    `start` is the seq the first line should have: the chunk's Merkle subtrees are
    computed for that place, cut at the `wanted` tree sizes. Returns None when anything
    is wrong or doubtful: the caller then checks these lines with the reference, which
    also finds the message.
    """
    leaves, facts = [], []
    pos, total = 0, len(data)
    while pos < total:
        end = data.find(b"\n", min(pos + PIECE_SIZE, total) - 1) + 1
        if not _scan_piece(data[pos:end], templates, leaves, facts):
            return None
        pos = end
    n = len(facts)
    if n == 0:
        return None
    frms, tos, extras, kinds, prevs, seqs, subjects, tss = zip(*facts, strict=True)

    first_seq = int(seqs[0])
    if seqs != tuple(map(b"%d".__mod__, range(first_seq, first_seq + n))):
        return None
    if prevs[1:] != tuple(map(_hexlify, leaves[:-1])):
        return None
    if not _TS_COLUMN.fullmatch(b"\n".join(tss)) or not all(map(le, tss, tss[1:])):
        return None
    for day in set(map(itemgetter(slice(0, 10)), tss)):
        try:
            date(int(day[0:4]), int(day[5:7]), int(day[8:10]))
        except ValueError:
            return None

    # Each subject's transitions must chain within the chunk; the first one of each subject
    # is checked against the log when the chunk joins it. At C speed: `gets` pairs each
    # transition with the to of the subject's transition before it in the chunk, or with its
    # own from if it is the first (zip takes from its arguments left to right, so each get
    # comes just before that transition's own set).
    is_transition = list(map(_TRANSITION_TOKEN.__eq__, kinds))
    t_subjects = list(compress(subjects, is_transition))
    t_frms = list(compress(frms, is_transition))
    first_frm = dict(zip(reversed(t_subjects), reversed(t_frms), strict=True))
    last_to = dict(first_frm)
    gets = map(last_to.get, t_subjects)
    sets = map(last_to.__setitem__, t_subjects, compress(tos, is_transition))
    if list(map(itemgetter(0), zip(gets, sets, strict=True))) != t_frms:
        return None
    bids, i = [], -1
    while True:
        try:
            i = kinds.index(_BIDS_CLOSED_TOKEN, i + 1)
        except ValueError:
            break
        commitments = extras[i].split(b",")
        if extras[i] and any(a >= b for a, b in zip(commitments, commitments[1:], strict=False)):
            return None
        bids.append((i, subjects[i], extras[i]))
    # What crosses to the parent process: the subjects once, and each stage name once.
    once = {}.setdefault
    subjects_seen = list(last_to)
    first_frms = list(map(first_frm.__getitem__, subjects_seen))
    last_tos = list(last_to.values())
    return _Chunk(
        start, n, first_seq, prevs[0], tss[0], tss[-1], leaves[-1], _subtrees(leaves, start, wanted),
        subjects_seen, list(map(once, first_frms, first_frms)), list(map(once, last_tos, last_tos)), bids,
    )


def _subtrees(leaves: list, start: int, wanted) -> list:
    """Roots of the aligned subtrees covering leaves [start, start + len(leaves)).

    The log's Frontier takes them with append_subtree; none spans a wanted tree size, so
    the root at that size can be taken on the way.
    """
    end = start + len(leaves)
    cuts = [start, *sorted(w for w in wanted if start < w < end), end]
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        for level, k in range_nodes(a, b):
            lo = (k << level) - start
            block = Frontier()
            block.extend(leaves[lo : lo + (1 << level)])
            out.append((level, block.hashes[0]))
    return out


# ---------------------------------------------------------------------------------------
# Whole exports


def _chunk_bounds(read_at, total: int, chunk_size: int) -> list[tuple[int, int]]:
    # Cut at newlines so that every chunk but possibly the last holds complete lines.
    bounds, start = [], 0
    while start < total:
        end = start + chunk_size
        if end >= total:
            end = total
        else:
            pos = end - 1
            while pos < total:
                window = read_at(pos, 1 << 16)
                i = window.find(b"\n")
                if i >= 0:
                    end = pos + i + 1
                    break
                pos += len(window)
            else:
                end = total
        bounds.append((start, end))
        start = end
    return bounds


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


class _collector_paused:
    # The fast path makes millions of short-lived tuples and no cycles: the cyclic garbage
    # collector would only walk them again and again.
    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()


def _pread(fd: int, size: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows: no pread
    parts = []
    while size > 0:
        part = os.read(fd, size)
        if not part:
            break
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


_worker_fd = None


def _worker_start(path: str) -> None:
    global _worker_fd
    _worker_fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    gc.disable()


def _worker_count(bounds: tuple[int, int]) -> int:
    start, end = bounds
    return _pread(_worker_fd, end - start, start).count(b"\n")


def _worker_scan(job: tuple[int, int, int, tuple]) -> _Chunk | None:
    start, end, first, wanted = job
    return _scan_chunk(_pread(_worker_fd, end - start, start), _TEMPLATES, first, wanted)


def check_file(checker: LogChecker, path: str, *, workers: int | None = None, chunk_size: int | None = None) -> None:
    """Check an export file on `workers` processes (default: one per core); VerifyError if bad.

    The file is cut at newlines into chunks. The workers first count each chunk's lines,
    so that each knows where in the tree its leaves go, then scan the chunks; this process
    joins their summaries in order and checks again with the reference any chunk the fast
    path doubted or that does not join on.
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
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            with context.Pool(workers, initializer=_worker_start, initargs=(path,)) as pool:
                jobs, first, wanted = [], checker.size, tuple(checker._wanted)
                for (start, end), lines in zip(bounds, pool.map(_worker_count, bounds), strict=True):
                    jobs.append((start, end, first, wanted))
                    first += lines
                for (start, end, _, _), scanned in zip(jobs, pool.imap(_worker_scan, jobs), strict=True):
                    if scanned is None or not checker._absorb(scanned):
                        checker._add_chunk(_pread(fd, end - start, start), False)
        _finish(checker, tail)


# ---------------------------------------------------------------------------------------
# Checkpoints, receipts, the report


@dataclass
class Report:
    """What verify_files found, and the words to tell a supervisor."""

    entries_path: str
    key: str
    entries: int = 0
    root: bytes = EMPTY_ROOT
    checkpoint: Checkpoint | None = None
    old: Checkpoint | None = None
    lines: list[str] = field(default_factory=list)  # what was checked and found good
    notes: list[str] = field(default_factory=list)  # worth knowing, not a failure
    problems: list[str] = field(default_factory=list)  # each one fails the check
    first_bad_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        out = [f"Ledger export: {self.entries_path}", f"Verifier key:  {self.key}", ""]
        out += self.lines
        if self.notes:
            out += ["", *(f"Note: {n}" for n in self.notes)]
        if self.problems:
            out += ["", "RESULT: NOT OK", *self.problems]
        else:
            out += ["", "RESULT: OK"]
        return "\n".join(out) + "\n"


def _load_key(key: str | Verifier) -> Verifier:
    if isinstance(key, Verifier):
        return key
    if os.path.isfile(key):
        try:
            with open(key, encoding="utf-8") as f:
                key = f.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the verifier key file: {exc}") from None
    try:
        return Verifier.from_string(key.strip())
    except NoteError as exc:
        raise UsageError(f"--key is neither a verifier key nor a file holding one: {exc}") from None


def _read_note(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None


def _open_checkpoint(path: str, what: str, verifier: Verifier, report: Report) -> Checkpoint | None:
    try:
        cp = parse_checkpoint(open_note(_read_note(path), verifier))
    except NoteError as exc:
        report.problems.append(f"{what} {path}: not a valid note signed by {verifier.name}: {exc}")
        return None
    except CheckpointError as exc:
        report.problems.append(f"{what} {path}: signed, but not a checkpoint: {exc}")
        return None
    if cp.origin != verifier.name:
        report.problems.append(f"{what} {path}: its origin {cp.origin!r} is not the key's name {verifier.name!r}")
        return None
    return cp


def _b64(root: bytes) -> str:
    return base64.b64encode(root).decode("ascii")


def verify_files(
    entries_path: str,
    key: str | Verifier,
    checkpoint_path: str | None = None,
    old_path: str | None = None,
    receipts: Iterable[str] = (),
    *,
    workers: int | None = None,
) -> Report:
    """Check an export and its signed notes; UsageError for unreadable input."""
    verifier = _load_key(key)
    if not os.path.isfile(entries_path):
        raise UsageError(f"no such file: {entries_path}")
    report = Report(entries_path, verifier.verifier_key())
    cp = old = None
    if checkpoint_path:
        cp = report.checkpoint = _open_checkpoint(checkpoint_path, "checkpoint", verifier, report)
    if old_path:
        old = report.old = _open_checkpoint(old_path, "older checkpoint", verifier, report)
    receipt_notes = [(path, _read_note(path)) for path in receipts]

    checker = LogChecker()
    checker.want_root_at({c.size for c in (cp, old) if c is not None})
    try:
        check_file(checker, entries_path, workers=workers)
    except VerifyError as exc:
        report.entries = checker.size
        report.first_bad_seq = exc.seq
        report.problems.insert(0, str(exc))
        report.lines.append(
            f"Entries seq 0 to {checker.size - 1} are good; the export breaks after them."
            if checker.size
            else "The export breaks at its first entry."
        )
        if cp is not None or old is not None or receipt_notes:
            report.notes.append("checkpoints and receipts are not checked against a broken export")
        return report
    n = report.entries = checker.size
    report.root = checker.root()
    report.lines.append(
        f"Entries checked: {n} (seq 0 to {n - 1}): every line is canonical, the hash chain is intact, "
        "times never go back, and every transaction's stages form a path."
        if n
        else "Entries checked: none (the export is empty)."
    )
    report.lines.append(f"Tree size {n}, root {_b64(report.root)}")

    if cp is not None:
        if cp.size > n:
            report.problems.append(
                f"the checkpoint is signed for {cp.size} entries but the export holds only {n}: "
                f"entries from seq {n} on are missing"
            )
        elif cp.size == 0 and cp.root != EMPTY_ROOT:
            report.problems.append("the checkpoint of tree size 0 signs a root that is not the empty tree's")
        elif checker.roots[cp.size] != cp.root:
            bad = cp.size - 1
            report.first_bad_seq = bad
            report.problems.append(
                f"seq {bad}: the tree root of the first {cp.size} entries differs from the signed checkpoint. "
                f"Every prev link is intact, so the entry at fault is seq {bad}, the last one the checkpoint "
                "covers: it is not the entry that was signed (and neither, possibly, are entries before it)."
            )
        else:
            covered = "all" if cp.size == n else f"the first {cp.size} of the"
            report.lines.append(
                f"Checkpoint: signed by {verifier.name}, tree size {cp.size}, root matches: "
                f"it covers {covered} {n} entries."
            )
            if cp.size < n:
                report.notes.append(
                    f"entries seq {cp.size} to {n - 1} are not covered by this checkpoint "
                    "(signed later; fetch a newer checkpoint to cover them)"
                )
    elif n:
        report.notes.append("no checkpoint given: the entries are consistent, but nothing shows the station signed them")

    if old is not None:
        if old.size > n:
            report.problems.append(
                f"the older checkpoint is signed for {old.size} entries but the export holds only {n}"
            )
        elif cp is not None and old.size > cp.size:
            report.problems.append(
                f"the older checkpoint has tree size {old.size}, larger than the checkpoint's {cp.size}"
            )
        elif old.size == 0 and old.root != EMPTY_ROOT:
            report.problems.append("the older checkpoint of tree size 0 signs a root that is not the empty tree's")
        elif checker.roots[old.size] != old.root:
            bad = old.size - 1
            report.first_bad_seq = bad if report.first_bad_seq is None else min(bad, report.first_bad_seq)
            report.problems.append(
                f"seq {bad}: the first {old.size} entries are not the ones the older checkpoint signed: "
                "the history was rewritten after it was signed"
            )
        else:
            report.lines.append(
                f"Older checkpoint: signed by {verifier.name}, tree size {old.size}: "
                "a prefix of this log (its history was not rewritten)."
            )

    for path, note in receipt_notes:
        _check_receipt(path, note, verifier, checker, cp, report)
    return report


def _check_receipt(path, note, verifier, checker: LogChecker, cp, report: Report) -> None:
    try:
        receipt = parse_receipt(open_note(note, verifier))
    except NoteError as exc:
        report.problems.append(f"receipt {path}: not a valid note signed by {verifier.name}: {exc}")
        return
    except CheckpointError as exc:
        report.problems.append(f"receipt {path}: signed, but not a bid receipt: {exc}")
        return
    if receipt.origin != verifier.name:
        report.problems.append(f"receipt {path}: its origin {receipt.origin!r} is not the key's name")
        return
    what = (
        f"receipt {path}: {receipt.subject}, commitment {receipt.commitment[:8]}…{receipt.commitment[-4:]}, "
        f"received {receipt.received_at}"
    )
    closed = checker.bids_closed.get(receipt.subject, [])
    listed = [seq for seq, commitments in closed if receipt.commitment in commitments]
    if listed:
        seq = listed[0]
        covered = "" if cp is None or seq < cp.size else " (not yet covered by the checkpoint)"
        report.lines.append(f"Receipt OK: {what}: listed in bids.closed at seq {seq}{covered}.")
    elif closed:
        seqs = ", ".join(str(seq) for seq, _ in closed)
        report.problems.append(
            f"MISCONDUCT: {what}: the station signed this receipt, but the bids.closed entry "
            f"(seq {seqs}) of {receipt.subject} does not list the commitment {receipt.commitment}"
        )
    else:
        report.notes.append(
            f"{what}: the export has no bids.closed entry for {receipt.subject} yet, "
            "so whether the bid is listed cannot be checked until its bids close"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ledger.verify",
        description="Check a ledger export offline against LEDGER.md: canonical lines, the hash chain, "
        "transaction paths, the Merkle root against a signed checkpoint, and bid receipts.",
    )
    parser.add_argument("--entries", required=True, help="the export: the whole log as JSON Lines")
    parser.add_argument("--key", required=True, help="the verifier key string, or a file holding it")
    parser.add_argument("--checkpoint", help="a signed checkpoint of the log")
    parser.add_argument("--old", help="an older signed checkpoint that must be a prefix of the log")
    parser.add_argument("--receipt", action="append", default=[], help="a signed bid receipt (repeatable)")
    parser.add_argument("--workers", type=int, default=None, help="processes to use (default: one per core)")
    args = parser.parse_args(argv)
    try:
        report = verify_files(args.entries, args.key, args.checkpoint, args.old, args.receipt, workers=args.workers)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
