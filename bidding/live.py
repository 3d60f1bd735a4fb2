"""How a live page learns that an auction changed (docs/deploy.md, "Live pages").

Every change of an auction bumps its `version` in the database, so a primary-key read
tells a watcher whether anything happened. Inside one process a change also bumps a
counter in memory (`auction_changed`, called on commit), which the server-sent-event
streams of the same process look at every WAKE_SECONDS: in the embedded mode (one
process) an accepted bid reaches every live page within about that. A stream in another
process (production: gunicorn accepts the bid, uvicorn serves the stream) reads the
version every LIVE_POLL_SECONDS (settings).
"""

# How often a stream checks this process's notifications (a memory read, no query).
WAKE_SECONDS = 0.05

_versions: dict[int, int] = {}


def auction_changed(auction_id: int) -> None:
    _versions[auction_id] = _versions.get(auction_id, 0) + 1


def local_version(auction_id: int) -> int:
    return _versions.get(auction_id, 0)
