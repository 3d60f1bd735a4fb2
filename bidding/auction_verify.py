"""Replay an online auction from the public ledger: `python -m bidding.auction_verify`.

    python -m ledger.fetch https://trading.example-county.gov.cn --dir export
    python -m bidding.auction_verify --entries export/entries.jsonl --key KEY \\
        [--checkpoint export/checkpoint.txt] --code JY-2026-0003 [--round 1]

No Django, no database. It first checks the export as `python -m ledger.verify` does
(canonical lines, the hash chain, the transactions' paths, the root against the signed
checkpoint when given), then replays each auction of the transaction from its entries
alone (bidding/auction_replay.py): every accepted bid within the rules and the
countdown, and the same winner and price as the server announced. Exit status: 0 all
good, 1 something differs, 2 a usage problem.
"""

import argparse
import json
import sys

from ledger.verify import UsageError, verify_files

from .auction_replay import ReplayError, auctions_of, replay


def _entries(path):
    found = []
    with open(path, "rb") as f:
        for line in f:
            if b'"kind":"auction.' in line:
                found.append(json.loads(line))
    return found


def verify_auctions(entries_path, key, *, code, round_=None, checkpoint_path=None, workers=None):
    """(ok, lines): the export checked, then each auction of `code` replayed."""
    report = verify_files(entries_path, key, checkpoint_path, workers=workers)
    lines = [report.summary().rstrip()]
    if not report.ok:
        return False, [*lines, "", "The export does not verify: the auction is not replayed."]
    by_round = auctions_of(_entries(entries_path), code)
    if round_ is not None:
        by_round = {r: e for r, e in by_round.items() if r == round_}
    if not by_round:
        raise UsageError(f"no auction of {code}{f' round {round_}' if round_ else ''} in the export")
    ok = True
    for number, entries in sorted(by_round.items()):
        try:
            outcome = replay(entries)
        except ReplayError as exc:
            ok = False
            lines.append(f"Auction of {code} round {number}: NOT OK: {exc}")
            continue
        if outcome.outcome is None:
            lines.append(f"Auction of {code} round {number}: {outcome.bids} bids so far, all within the rules; "
                         "not ended yet")
        elif outcome.outcome == "sold":
            lines.append(f"Auction of {code} round {number}: {outcome.bids} bids replayed, all within the rules; "
                         f"winner bidder No. {outcome.winner} at {outcome.price:.2f} yuan, as announced")
        else:
            lines.append(f"Auction of {code} round {number}: {outcome.bids} bids replayed; outcome "
                         f"{outcome.outcome}, as announced")
    lines.append("RESULT: OK" if ok else "RESULT: NOT OK")
    return ok, lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bidding.auction_verify",
                                     description="Replay an online auction from a ledger export.")
    parser.add_argument("--entries", required=True, help="the export: the whole log as JSON Lines")
    parser.add_argument("--key", required=True, help="the verifier key string, or a file holding it")
    parser.add_argument("--checkpoint", help="a signed checkpoint of the log")
    parser.add_argument("--code", required=True, help="the transaction code")
    parser.add_argument("--round", type=int, default=None, help="only this round of the procedure")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        ok, lines = verify_auctions(args.entries, args.key, code=args.code, round_=args.round,
                                    checkpoint_path=args.checkpoint, workers=args.workers)
    except (UsageError, OSError) as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
