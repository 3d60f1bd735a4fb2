"""Open your custodian share of one round on your own machine: `python -m bidding.custodian`.

    python -m bidding.custodian open-share bundle.json
    python -m bidding.custodian open-share bundle.json --passphrase-file passphrase.txt

The bundle is the JSON file the station gives a custodian for one round (its custodian
key, still locked under the passphrase, and its one sealed share of that round). The
passphrase is asked for without echo (or read from --passphrase-file, first line) and
never leaves this machine; what is printed is the share, which rebuilds that round's
opening key with the other custodians' shares and opens nothing else, and its SHA-256,
which is the one published in the round's `opening_key.created` ledger entry. Paste the
share into the opening form. The same computation runs in the browser
(static/js/custodian.js). No Django, no database: only `cryptography`
(docs/sealed-bids.md, "Opening without giving the server your passphrase").

Exit status: 0 opened, 1 the share cannot be opened (wrong passphrase, a bundle that is
not one, a share that is not the published one), 2 usage error.
"""

import argparse
import getpass
import sys

from . import crypto

# A bundle is about 600 characters; a file much larger than one is not one.
_READ_LIMIT = 4 * crypto.BUNDLE_MAX_CHARS + 1


class CommandError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bidding.custodian",
        description="A custodian's own side of a sealed-bid opening (docs/sealed-bids.md).")
    commands = parser.add_subparsers(dest="command", required=True)
    open_share = commands.add_parser(
        "open-share", help="open your share of one round from its bundle, with your passphrase",
        description="Unlock your custodian key with your passphrase, open your share of the round the "
                    "bundle names, check it against the published digest and print it.")
    open_share.add_argument("bundle", help="the share bundle (JSON) the station gave you for this round")
    open_share.add_argument("--passphrase-file",
                            help="read the passphrase from this file's first line instead of asking for it")
    return parser


def _read_bundle(path: str) -> crypto.ShareBundle:
    try:
        with open(path, "rb") as handle:
            data = handle.read(_READ_LIMIT)
    except OSError as exc:
        raise CommandError(f"cannot read the bundle {path}: {exc.strerror or exc}") from None
    return crypto.parse_bundle(data)


def _passphrase(path: str | None) -> str:
    if path is None:
        try:
            return getpass.getpass("Custodian passphrase (not shown): ")
        except (EOFError, KeyboardInterrupt):
            raise CommandError("no passphrase given") from None
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read the passphrase file {path}: {exc}") from None


def open_share(args) -> int:
    bundle = _read_bundle(args.bundle)
    share = crypto.open_share_with_passphrase(bundle, _passphrase(args.passphrase_file))
    print(f"Your share {bundle.index} of {bundle.code}, round {bundle.round} ({bundle.part}), "
          f"custodian {bundle.label}:")
    print(f"share: {share.hex()}")
    print(f"share SHA-256: {crypto.share_digest(share)} (as published when the opening key was made)")
    print("Paste the share into the opening form. It opens this round only.")
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return open_share(args)
    except (CommandError, crypto.CustodianSecretError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
