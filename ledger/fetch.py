"""Download a station's published log for offline checking (standard library only).

    python -m ledger.fetch https://trading.example-county.gov.cn --dir ledger-export

writes into the folder:

* `entries.jsonl`  the whole log, exactly as served by /ledger/entries (the export)
* `checkpoint`     the latest signed checkpoint, fetched *before* the entries, so the
                   export always covers it
* `checkpoint.old` the checkpoint of the previous download, if the folder had one: give it
                   to `python -m ledger.verify --old` to prove the history was not rewritten
* `checkpoints.json` every checkpoint the station has issued
* `key.served`     the verifier key the server says it uses: compare it with the key the
                   county published, and verify with the published one

Then: `python -m ledger.verify --entries DIR/entries.jsonl --key KEY --checkpoint
DIR/checkpoint [--old DIR/checkpoint.old]` (docs/verify.md).
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

PAGE = 1000


def _get(base, path, params=None):
    url = base.rstrip("/") + path + ("?" + urllib.parse.urlencode(params) if params else "")
    request = urllib.request.Request(url, headers={"User-Agent": "ledger-fetch/1", "Accept-Language": "en"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def _checkpoint_size(note: bytes) -> int:
    return int(note.split(b"\n")[1])


def fetch(base: str, folder: str, *, out=sys.stdout) -> int:
    os.makedirs(folder, exist_ok=True)
    path = lambda name: os.path.join(folder, name)  # noqa: E731
    checkpoint = _get(base, "/ledger/checkpoint")
    size = _checkpoint_size(checkpoint)
    if os.path.exists(path("checkpoint")):
        os.replace(path("checkpoint"), path("checkpoint.old"))
    with open(path("key.served"), "wb") as f:
        f.write(_get(base, "/ledger/key"))
    count = 0
    with open(path("entries.jsonl.part"), "wb") as f:
        while True:
            chunk = _get(base, "/ledger/entries", {"start": count, "limit": PAGE})
            lines = chunk.count(b"\n")
            f.write(chunk)
            count += lines
            if lines < PAGE:
                break
            out.write(f"\r{count} entries")
            out.flush()
    os.replace(path("entries.jsonl.part"), path("entries.jsonl"))
    with open(path("checkpoint"), "wb") as f:
        f.write(checkpoint)
    with open(path("checkpoints.json"), "wb") as f:
        f.write(_get(base, "/ledger/checkpoints"))
    out.write(f"\rDownloaded {count} entries; the latest checkpoint covers {size}.\n")
    out.write(f"Files in {folder}/. Compare key.served with the key your county published.\n")
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledger.fetch", description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the platform's address, e.g. https://trading.example-county.gov.cn")
    parser.add_argument("--dir", default="ledger-export", help="folder to write into (default ledger-export)")
    args = parser.parse_args(argv)
    try:
        fetch(args.base, args.dir)
    except (urllib.error.URLError, OSError, ValueError, IndexError, json.JSONDecodeError) as exc:
        print(f"python -m ledger.fetch: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
