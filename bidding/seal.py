"""Seal a quote on your own machine: `python -m bidding.seal`.

    python -m bidding.seal --key-url https://STATION/api/v1/transactions/JY-2026-0001/opening-key/ \\
        --supplier 91320100MA1XXXXXXX --price 12345.00 --out quote.bin
    python -m bidding.seal --public-key HEX --origin trading.example.gov.cn/ledger \\
        --code JY-2026-0001 --supplier 91320100MA1XXXXXXX --price 12345.00 --out quote.bin

The envelope (always the same size, whatever the price) is written to --out; submit it
through the API (base64 in JSON, or a multipart file) and keep the receipt you get back.
The price never leaves this machine unencrypted. No Django, no database: only
`cryptography` (docs/sealed-bids.md).

Exit status: 0 sealed, 2 usage error or a key that cannot be fetched or used.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

from . import crypto

# The unified social credit code's check character (GB 32100-2015), as bidding/uscc.py
# computes it; repeated here because this command runs without Django. A mistyped code
# would make the quote fail at the opening ("names another supplier"), so it is checked.
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_is_valid(code: str) -> bool:
    if len(code) != 18 or any(ch not in _USCC_CHARSET for ch in code):
        return False
    total = sum(_USCC_CHARSET.index(ch) * pow(3, i, 31) for i, ch in enumerate(code[:17]))
    return code[17] == _USCC_CHARSET[(31 - total % 31) % 31]


class UsageError(Exception):
    pass


def fetch_key(url: str, timeout: float = 30.0) -> dict:
    """The opening key as the station publishes it (GET …/opening-key/, JSON)."""
    if not url.startswith(("https://", "http://")):
        raise UsageError("--key-url must be an http(s) URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only, checked)
            body = response.read(100_000)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise UsageError(f"cannot fetch the opening key from {url}: {exc}") from None
    try:
        data = json.loads(body)
        return {"public_key": data["public_key"], "origin": data["origin"], "code": data["code"],
                "round": data.get("round"), "suite": data.get("suite")}
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"{url} did not answer with an opening key (JSON with public_key, origin, code)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bidding.seal",
        description="Seal a quote to a procedure's opening key (HPKE, RFC 9180) on your own machine.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--key-url", help="the station's …/opening-key/ URL of the transaction")
    source.add_argument("--public-key", help="the opening public key, 64 hex digits")
    parser.add_argument("--origin", help="the station's ledger origin (with --public-key; checked with --key-url)")
    parser.add_argument("--code", help="the transaction code, e.g. JY-2026-0001 (checked with --key-url)")
    parser.add_argument("--supplier", required=True, help="your unified social credit code (18 characters)")
    parser.add_argument("--price", required=True, help="your price in yuan, e.g. 12345.00")
    parser.add_argument("--out", required=True, help="where to write the envelope")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    return parser


def seal(args) -> tuple[bytes, dict]:
    if args.key_url:
        key = fetch_key(args.key_url)
        for name in ("origin", "code"):
            given = getattr(args, name)
            if given and given != key[name]:
                raise UsageError(f"--{name} {given!r} differs from the key's {key[name]!r}: wrong URL?")
    else:
        if not (args.origin and args.code):
            raise UsageError("--public-key needs --origin and --code")
        key = {"public_key": args.public_key, "origin": args.origin, "code": args.code, "round": None}
    supplier = args.supplier.strip().upper()
    if not uscc_is_valid(supplier):
        raise UsageError("--supplier is not a valid unified social credit code (GB 32100-2015): "
                         "check every character; the 18th is a check character")
    try:
        public_key = crypto.parse_public_key(key["public_key"])
        envelope = crypto.seal_quote(public_key, origin=key["origin"], code=key["code"], supplier=supplier,
                                     price=args.price)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return envelope, key


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if os.path.exists(args.out) and not args.force:
            raise UsageError(f"{args.out} exists; choose another --out or add --force")
        envelope, key = seal(args)
        with open(args.out, "wb") as handle:
            handle.write(envelope)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    round_text = f", round {key['round']}" if key.get("round") else ""
    print(f"Sealed for {key['code']}{round_text} at {key['origin']}: {len(envelope)} bytes written to {args.out}")
    print(f"Commitment (SHA-256 of the envelope): {crypto.commitment(envelope)}")
    print("Submit the file before the deadline and keep the receipt: it must list this commitment.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
