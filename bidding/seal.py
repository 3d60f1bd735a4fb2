"""Seal a quote on your own machine: `python -m bidding.seal`.

    python -m bidding.seal --key-url https://STATION/api/v1/transactions/JY-2026-0001/opening-key/ \\
        --verifier-key 'trading.example.gov.cn/ledger+1a7e5d40+AZO9…' \\
        --supplier 91320100MA1XXXXXXX --price 12345.00 --out quote.bin
    python -m bidding.seal --public-key HEX --origin trading.example.gov.cn/ledger \\
        --code JY-2026-0001 --supplier 91320100MA1XXXXXXX --price 12345.00 --out quote.bin

With --key-url the tool does not take the server's word for the key: before it seals, it
checks the key against the station's public ledger (LEDGER.md): the `opening_key.created`
entry at the `ledger_seq` the server names must be exactly an entry of the log, of this
transaction and round, holding this key, and an inclusion proof must lead from it to the
root of the latest checkpoint signed by the station's verifier key (--verifier-key, as
the station prints it on its notice board; without it the key served at /ledger/key is
used, with a warning). With --public-key (typed from the notice) nothing is fetched.

The envelope (always the same size, whatever the price) is written to --out; submit it
through the API (base64 in JSON, or a multipart file) and keep the receipt you get back.
The price never leaves this machine unencrypted. No Django, no database: only
`cryptography` and the ledger's pure core (docs/sealed-bids.md).

Exit status: 0 sealed; 1 the station's answers did not check out (or not yet), nothing
written; 2 a usage error, or a key URL that does not answer with an opening key.

Why this module is long: it is a bidder's offline tool, one module to read before
trusting it: its checks of the opening key against the ledger come before the sealing.
"""

import argparse
import base64
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from ledger.core.checkpoint import Checkpoint, CheckpointError, parse_checkpoint
from ledger.core.entry import EntryError, check_entry, leaf_hash
from ledger.core.jcs import canonical_bytes
from ledger.core.merkle import verify_inclusion
from ledger.core.note import NoteError, Verifier, open_note

from . import crypto

# The unified social credit code's check character (GB 32100-2015), as bidding/uscc.py
# computes it; repeated here because this command runs without Django. A mistyped code
# would make the quote fail at the opening ("names another supplier"), so it is checked.
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

OPENING_KEY_CREATED = "opening_key.created"  # docs/ledger.md, "Sealed quotes"
_API_PATH_RE = re.compile(r"/api/v1/transactions/([^/]+)/opening-key/?$")
_HEX64_RE = re.compile(r"[0-9a-f]{64}")


def uscc_is_valid(code: str) -> bool:
    if len(code) != 18 or any(ch not in _USCC_CHARSET for ch in code):
        return False
    total = sum(_USCC_CHARSET.index(ch) * pow(3, i, 31) for i, ch in enumerate(code[:17]))
    return code[17] == _USCC_CHARSET[(31 - total % 31) % 31]


class UsageError(Exception):
    """The command was given something it cannot use (exit status 2)."""


class KeyCheckError(Exception):
    """The station's answers do not prove the key, or do not yet (exit status 1)."""


def http_get(url: str, *, limit: int, timeout: float = 30.0) -> tuple[int, bytes]:
    """(HTTP status, at most `limit` bytes of the body) of GET url; OSError if unreachable."""
    request = urllib.request.Request(url, headers={"Accept-Language": "en", "User-Agent": "bidding-seal/2"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only, checked)
            return response.status, response.read(limit)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(limit)
    except (urllib.error.URLError, TimeoutError) as exc:
        raise OSError(str(getattr(exc, "reason", exc))) from None


def _get(url: str, what: str, *, limit: int = 100_000) -> bytes:
    """The body of a 200 answer, or KeyCheckError naming what could not be fetched."""
    try:
        status, body = http_get(url, limit=limit)
    except OSError as exc:
        raise KeyCheckError(f"cannot fetch {what} from {url}: {exc}") from None
    if status != 200:
        raise KeyCheckError(f"cannot fetch {what}: {url} answered HTTP {status}{_server_says(body)}")
    return body


def _server_says(body: bytes) -> str:
    try:
        message = json.loads(body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return ""
    return f" ({message})" if isinstance(message, str) else ""


def fetch_key(url: str) -> dict:
    """The opening key as the station publishes it (GET …/opening-key/, JSON)."""
    if not url.startswith(("https://", "http://")):
        raise UsageError("--key-url must be an http(s) URL")
    try:
        status, body = http_get(url, limit=100_000)
    except OSError as exc:
        raise UsageError(f"cannot fetch the opening key from {url}: {exc}") from None
    if status != 200:
        raise UsageError(f"cannot fetch the opening key: {url} answered HTTP {status}{_server_says(body)}")
    try:
        data = json.loads(body)
        key = {"public_key": data["public_key"], "origin": data["origin"], "code": data["code"],
               "round": data.get("round"), "suite": data.get("suite"), "ledger_seq": data.get("ledger_seq")}
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"{url} did not answer with an opening key (JSON with public_key, origin, code)") from None
    if not all(isinstance(key[name], str) for name in ("public_key", "origin", "code")):
        raise UsageError(f"{url} did not answer with an opening key (public_key, origin, code are strings)")
    return key


def station_address(key_url: str, ledger_url: str | None = None) -> str:
    """Where the station's /ledger/ endpoints are: --ledger-url (the station's address, as
    `python -m ledger.fetch` takes it; a trailing /ledger is allowed), else the key URL up
    to its /api/v1/."""
    if ledger_url:
        if not ledger_url.startswith(("https://", "http://")):
            raise UsageError("--ledger-url must be an http(s) URL")
        base = ledger_url.split("?", 1)[0].rstrip("/")
        return base[: -len("/ledger")] if base.endswith("/ledger") else base
    parts = urllib.parse.urlsplit(key_url)
    match = _API_PATH_RE.search(parts.path)
    if match is None:
        raise UsageError("cannot tell the station's address from --key-url (it is not …/api/v1/transactions/"
                         "CODE/opening-key/): give it with --ledger-url")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path[: match.start()], "", ""))


def load_verifier_key(given: str) -> Verifier:
    """--verifier-key: the verifier key string, or a file holding it."""
    if os.path.isfile(given):
        try:
            with open(given, encoding="utf-8") as handle:
                given = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the verifier key file: {exc}") from None
    try:
        return Verifier.from_string(given.strip())
    except NoteError as exc:
        raise UsageError(f"--verifier-key is neither a verifier key nor a file holding one: {exc}") from None


def check_key_entry(body: bytes, *, seq: int, key: dict) -> dict:
    """The entry `body` (one line of /ledger/entries, without its newline) if it is exactly
    an entry's canonical bytes, at `seq`, recording this opening key; KeyCheckError naming
    the first thing that does not match."""
    where = f"the ledger entry at seq {seq}"
    try:
        entry = json.loads(body.decode("utf-8"))
        canonical = canonical_bytes(entry)
    except (UnicodeDecodeError, ValueError) as exc:  # CanonicalError is a ValueError
        raise KeyCheckError(f"{where} is not a ledger entry: {exc}") from None
    if canonical != body:
        raise KeyCheckError(f"{where} is not exactly an entry's canonical bytes (RFC 8785, LEDGER.md section 3)")
    try:
        check_entry(entry)
    except EntryError as exc:
        raise KeyCheckError(f"{where} is not a valid ledger entry: {exc}") from None
    data = entry["data"]
    expected = [
        ("seq", entry["seq"], seq),
        ("kind", entry["kind"], OPENING_KEY_CREATED),
        ("subject", entry["subject"], key["code"]),
        ("data.round", data.get("round"), key["round"]),
        ("data.public_key", data.get("public_key"), key["public_key"]),
        ("data.suite", data.get("suite"), crypto.SUITE_NAME),
        # Quotes are sealed to a round's offer key; a key of another part is not for them.
        ("data.part", data.get("part", "offer"), "offer"),
    ]
    for name, found, wanted in expected:
        if type(found) is not type(wanted) or found != wanted:
            raise KeyCheckError(f"{where} does not record this key: its {name} is {json.dumps(found)}, "
                                f"the station's answer says {json.dumps(wanted)}")
    return entry


def check_checkpoint(note: bytes, verifier: Verifier) -> Checkpoint:
    """The checkpoint of `note` if `verifier` signed it and it is its log's; KeyCheckError if not."""
    try:
        checkpoint = parse_checkpoint(open_note(note, verifier))
    except NoteError as exc:
        raise KeyCheckError(f"the station's latest checkpoint is not signed by the verifier key "
                            f"{_key_id(verifier)}: {exc}") from None
    except CheckpointError as exc:
        raise KeyCheckError(f"the station's latest checkpoint is signed but malformed: {exc}") from None
    if checkpoint.origin != verifier.name:
        raise KeyCheckError(f"the checkpoint's origin {checkpoint.origin!r} is not the verifier key's name "
                            f"{verifier.name!r}")
    return checkpoint


def check_inclusion(answer: bytes, *, seq: int, leaf: bytes, checkpoint: Checkpoint) -> None:
    """KeyCheckError unless `answer` (/ledger/proof/inclusion JSON) proves leaf `seq` in the
    tree of the checkpoint."""
    where = f"the inclusion proof of seq {seq} in the tree of size {checkpoint.size}"
    try:
        proof = json.loads(answer)
        index, size, leaf_hex, path_hex = proof["index"], proof["size"], proof["leaf_hash"], proof["path"]
        if not (isinstance(path_hex, list) and all(isinstance(h, str) and _HEX64_RE.fullmatch(h) for h in path_hex)):
            raise ValueError("path is not a list of 64 hex digits each")
        path = [bytes.fromhex(h) for h in path_hex]
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyCheckError(f"{where} is malformed: {exc}") from None
    if (index, size) != (seq, checkpoint.size):
        raise KeyCheckError(f"{where}: the station answered a proof of index {index} in size {size}")
    if leaf_hex != leaf.hex():
        raise KeyCheckError(f"{where} is for another entry: its leaf hash is {leaf_hex}, the entry served "
                            f"at seq {seq} hashes to {leaf.hex()}")
    if not verify_inclusion(seq, checkpoint.size, leaf, path, checkpoint.root):
        raise KeyCheckError(f"{where} does not lead to the signed root {_b64(checkpoint.root)}: the entry "
                            "served is not the one in the station's signed log")


@dataclass
class KeyCheck:
    """What was checked, for the bidder to keep."""

    entry: dict
    leaf_hash: bytes
    checkpoint: Checkpoint
    verifier: Verifier
    verifier_given: bool

    def lines(self) -> list[str]:
        if self.verifier_given:
            source = "given with --verifier-key"
        else:
            source = "taken from the station itself at /ledger/key: compare it with the one it publishes"
        entry = self.entry
        return [
            f"Checked against the station's ledger: entry seq {entry['seq']} ({entry['kind']}, {entry['subject']}, "
            f"round {entry['data']['round']}, written {entry['ts']})",
            f"  records this key; its leaf hash {self.leaf_hash.hex()}",
            f"  included in the checkpoint of tree size {self.checkpoint.size}, root "
            f"{_b64(self.checkpoint.root)},",
            f"  signed by {_key_id(self.verifier)} ({source}):",
            f"  {self.verifier.verifier_key()}",
        ]


def check_key_in_ledger(key: dict, *, base: str, verifier: Verifier | None, err=None) -> KeyCheck:
    """Check the opening key the station served against its ledger at `base` (in this
    order: ledger_seq placed, the verifier key, the entry at ledger_seq, the signed
    checkpoint, the inclusion proof); KeyCheckError on the first thing that does not match."""
    seq = key["ledger_seq"]
    if seq is None:
        raise KeyCheckError("the station's ledger has not placed the opening key yet (ledger_seq is null): "
                            "try again in a few seconds")
    if type(seq) is not int or seq < 0:
        raise KeyCheckError(f"the station's answer has no usable ledger_seq ({json.dumps(seq)})")
    if type(key["round"]) is not int:
        raise KeyCheckError(f"the station's answer has no usable round ({json.dumps(key['round'])})")
    ledger = base.rstrip("/") + "/ledger"

    given = verifier is not None
    if not given:
        served = _get(f"{ledger}/key", "the verifier key", limit=10_000)
        try:
            verifier = Verifier.from_string(served.decode("utf-8").strip())
        except (UnicodeDecodeError, NoteError) as exc:
            raise KeyCheckError(f"{ledger}/key did not answer with a verifier key: {exc}") from None
        print("WARNING: no --verifier-key given, so the ledger's verifier key was taken from the same server "
              "that served the opening key (trust on first use): a server that lies about one can lie about "
              "the other. Compare it with the key the station publishes on its notice board, and give it "
              "with --verifier-key next time:\n"
              f"  {verifier.verifier_key()}", file=err or sys.stderr)
    if verifier.name != key["origin"]:
        raise KeyCheckError(f"the station's origin {key['origin']!r} is not the name of its ledger's verifier "
                            f"key {_key_id(verifier)}")

    lines = _get(f"{ledger}/entries?start={seq}&limit=1", f"the ledger entry at seq {seq}", limit=1_000_000)
    if not lines.endswith(b"\n") or lines.count(b"\n") != 1:
        raise KeyCheckError(f"{ledger}/entries did not answer exactly one entry at seq {seq}")
    body = lines[:-1]
    entry = check_key_entry(body, seq=seq, key=key)
    leaf = leaf_hash(body)

    checkpoint = check_checkpoint(_get(f"{ledger}/checkpoint", "the latest checkpoint", limit=100_000), verifier)
    if checkpoint.size <= seq:
        raise KeyCheckError(f"the latest signed checkpoint (tree size {checkpoint.size}) does not cover seq {seq} "
                            "yet; the station signs one within a minute: try again then")

    proof = _get(f"{ledger}/proof/inclusion?index={seq}&size={checkpoint.size}",
                 f"the inclusion proof of seq {seq}", limit=100_000)
    check_inclusion(proof, seq=seq, leaf=leaf, checkpoint=checkpoint)
    return KeyCheck(entry=entry, leaf_hash=leaf, checkpoint=checkpoint, verifier=verifier, verifier_given=given)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bidding.seal",
        description="Seal a quote to a procedure's opening key (HPKE, RFC 9180) on your own machine.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--key-url", help="the station's …/opening-key/ URL of the transaction; the key is "
                                          "checked against the station's public ledger before sealing")
    source.add_argument("--public-key", help="the opening public key, 64 hex digits, as the notice prints it "
                                             "(nothing is fetched or checked)")
    parser.add_argument("--verifier-key", help="with --key-url: the station's ledger verifier key (or a file "
                                               "holding it), as the station publishes it; without it the key "
                                               "served at /ledger/key is used, with a warning")
    parser.add_argument("--ledger-url", help="with --key-url: the station's address for its /ledger/ endpoints "
                                             "(default: the key URL up to /api/v1/)")
    parser.add_argument("--origin", help="the station's ledger origin (with --public-key; checked with --key-url)")
    parser.add_argument("--code", help="the transaction code, e.g. JY-2026-0001 (checked with --key-url)")
    parser.add_argument("--supplier", required=True, help="your unified social credit code (18 characters)")
    parser.add_argument("--price", required=True, help="your price in yuan, e.g. 12345.00")
    parser.add_argument("--out", required=True, help="where to write the envelope")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    return parser


def seal(args, *, err=None) -> tuple[bytes, dict, KeyCheck | None]:
    """The envelope, the key it is sealed to, and what was checked of a fetched key (None
    for --public-key). What the user typed is checked first, before anything is fetched."""
    supplier = args.supplier.strip().upper()
    if not uscc_is_valid(supplier):
        raise UsageError("--supplier is not a valid unified social credit code (GB 32100-2015): "
                         "check every character; the 18th is a check character")
    try:
        crypto.quote_price(args.price)  # before anything is fetched: a typo costs no round trip
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    check = None
    if args.key_url:
        verifier = load_verifier_key(args.verifier_key) if args.verifier_key else None
        base = station_address(args.key_url, args.ledger_url)
        key = fetch_key(args.key_url)
        for name in ("origin", "code"):
            given = getattr(args, name)
            if given and given != key[name]:
                raise UsageError(f"--{name} {given!r} differs from the key's {key[name]!r}: wrong URL?")
        match = _API_PATH_RE.search(urllib.parse.urlsplit(args.key_url).path)
        if match and urllib.parse.unquote(match.group(1)) != key["code"]:
            raise KeyCheckError(f"{args.key_url} answered the key of {key['code']!r}, not of "
                                f"{urllib.parse.unquote(match.group(1))!r}")
        try:
            crypto.parse_public_key(key["public_key"])
        except ValueError as exc:
            raise KeyCheckError(f"the station's public_key is not usable: {exc}") from None
        check = check_key_in_ledger(key, base=base, verifier=verifier, err=err)
    else:
        if args.verifier_key or args.ledger_url:
            raise UsageError("--verifier-key and --ledger-url go with --key-url (a key typed from the notice "
                             "is not fetched, so nothing is checked)")
        if not (args.origin and args.code):
            raise UsageError("--public-key needs --origin and --code")
        key = {"public_key": args.public_key, "origin": args.origin, "code": args.code, "round": None}
    try:
        public_key = crypto.parse_public_key(key["public_key"])
        envelope = crypto.seal_quote(public_key, origin=key["origin"], code=key["code"], supplier=supplier,
                                     price=args.price)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return envelope, key, check


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if os.path.exists(args.out) and not args.force:
            raise UsageError(f"{args.out} exists; choose another --out or add --force")
        envelope, key, check = seal(args)
        with open(args.out, "wb") as handle:
            handle.write(envelope)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyCheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("The station's ledger did not confirm the opening key: nothing was sealed, nothing written.",
              file=sys.stderr)
        return 1
    round_text = f", round {key['round']}" if key.get("round") else ""
    if check is not None:
        print(f"Opening key of {key['code']}{round_text}: {key['public_key']}")
        print("\n".join(check.lines()))
    print(f"Sealed for {key['code']}{round_text} at {key['origin']}: {len(envelope)} bytes written to {args.out}")
    print(f"Commitment (SHA-256 of the envelope): {crypto.commitment(envelope)}")
    print("Submit the file before the deadline and keep the receipt: it must list this commitment.")
    return 0


def _key_id(verifier: Verifier) -> str:
    return f"{verifier.name}+{verifier.key_hash:08x}"


def _b64(root: bytes) -> str:
    return base64.b64encode(root).decode("ascii")


if __name__ == "__main__":
    sys.exit(main())
