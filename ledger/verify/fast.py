"""The fast path of the verifier: the same verdict as the reference, on every core.

Exports of a million entries are checked by proving most lines canonical with a regular
expression built from a line of the same shape that the reference has accepted, working
on whole buffers, in worker processes. `_scan_chunk` turns a chunk of complete lines into a
summary (`_Chunk`) that LogChecker joins to the log (ledger/verify/checker.py), or None
when anything is wrong or doubtful: the reference then checks those lines and finds the
message.
"""

import binascii
import contextlib
import gc
import hashlib
import multiprocessing
import os
import re
import unicodedata
from datetime import date
from itertools import compress, repeat
from operator import call, itemgetter, le, methodcaller
from typing import NamedTuple

from ledger.core.entry import BIDS_CLOSED, TRANSITION, TRANSITION_TYPES
from ledger.core.merkle import Frontier, range_nodes

from .reference import _BIDS_CLOSED_TOKEN, _TRANSITION_TOKEN, _check_line, _LineError, _token

CHUNK_SIZE = 4 << 20  # bytes of export per unit of work
_sha256 = hashlib.sha256
_digest = type(_sha256()).digest
_hexlify = binascii.hexlify


# Whole buffers, one regular expression match per line.
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


# Whole files: cut at newlines into chunks, which worker processes read and scan.


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


@contextlib.contextmanager
def _scanned_in_parallel(path: str, bounds: list, first: int, wanted: tuple, workers: int):
    """The summaries of the chunks `bounds` of the file, scanned on `workers` processes, in
    order (an iterator, for as long as the context lasts).

    The workers first count each chunk's lines, so that each knows where in the tree its
    leaves go (the first chunk's first line is seq `first`), then scan the chunks.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(workers, initializer=_worker_start, initargs=(path,)) as pool:
        jobs = []
        for (start, end), lines in zip(bounds, pool.map(_worker_count, bounds), strict=True):
            jobs.append((start, end, first, wanted))
            first += lines
        yield pool.imap(_worker_scan, jobs)
