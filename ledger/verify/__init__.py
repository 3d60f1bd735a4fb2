"""The offline verifier of a ledger export: `python -m ledger.verify --entries FILE --key KEY`.

It checks everything LEDGER.md lets an outsider check without trusting the station: every
line is exactly its entry's canonical bytes, the seq numbers, the prev hash chain, the
order of time stamps, every transaction's stages forming a path, the Merkle root against
a signed checkpoint, an older checkpoint being a prefix (history not rewritten), and bid
receipts against the `bids.closed` entries. On the first problem it names the seq.

Pure Python (the standard library, ledger.core and cryptography): no Django, so a verifier
outside the station needs only these files. The modules:

* reference.py: one line by itself, the reference (parse, re-serialise, compare, check);
  VerifyError and UsageError.
* checker.py: LogChecker, the log entry by entry, and check_bytes / check_file for whole
  exports.
* fast.py: the fast path, on every core: it proves most lines canonical with a regular
  expression built from a line of the same shape that the reference has accepted, and
  whenever it is not sure, or finds a problem, the reference checks those lines again, so
  both always give the same verdict, first bad seq and message
  (tests/ledger/test_verify_cli.py holds them to it).
* cli.py: verify_files (the export, checkpoints, receipts), Report, and `main`.
"""

from .checker import LogChecker, check_bytes, check_file
from .cli import Report, main, verify_files
from .reference import UsageError, VerifyError

__all__ = ["LogChecker", "Report", "UsageError", "VerifyError", "check_bytes", "check_file", "main", "verify_files"]
