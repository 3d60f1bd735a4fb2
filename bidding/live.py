"""How a live page learns that an auction changed (docs/deploy.md, "Live pages").

Every change of an auction bumps its `version` in the database. Inside one process a
change also bumps a counter in memory (`auction_changed`, called on commit), which the
server-sent-event streams of that process look at every WAKE_SECONDS (a memory read):
in the embedded mode (one process) an accepted bid reaches every live page at once.
When the change is made by another process (production: gunicorn accepts the bid,
uvicorn serves the streams), one watcher per auction and process reads the version every
LIVE_POLL_SECONDS and bumps the same counter: one primary-key read per auction and
process, however many pages watch.
"""

import asyncio
import contextlib

from asgiref.sync import sync_to_async
from django.conf import settings

# How often a stream checks this process's notifications (a memory read, no query).
WAKE_SECONDS = 0.05

_versions: dict[int, int] = {}
_watchers: dict[int, dict] = {}


def auction_changed(auction_id: int) -> None:
    _versions[auction_id] = _versions.get(auction_id, 0) + 1


def local_version(auction_id: int) -> int:
    return _versions.get(auction_id, 0)


async def _watch(auction_id: int, read_version) -> None:
    last = None
    while _watchers.get(auction_id, {}).get("streams", 0) > 0:
        version = await sync_to_async(read_version, thread_sensitive=False)(auction_id)
        if version != last:  # the first read too: a change may have come before the watcher started
            auction_changed(auction_id)
        last = version
        await asyncio.sleep(settings.LIVE_POLL_SECONDS)


@contextlib.asynccontextmanager
async def watching(auction_id: int, read_version):
    """While a stream runs: the process's one watcher of the auction's version runs."""
    watcher = _watchers.setdefault(auction_id, {"streams": 0, "task": None})
    watcher["streams"] += 1
    if watcher["task"] is None or watcher["task"].done():
        watcher["task"] = asyncio.get_running_loop().create_task(_watch(auction_id, read_version))
    try:
        yield
    finally:
        watcher["streams"] -= 1
