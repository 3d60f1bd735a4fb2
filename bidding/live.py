"""How a live page learns that an auction changed (docs/deploy.md, "Live pages").

Every change of an auction bumps its `version` in the database (a primary-key read
tells a watcher whether anything happened). Inside one process a change also wakes the
watchers at once: `auction_changed` (called on commit) notifies a condition that the
server-sent-event streams of the same process wait on, so in the embedded mode (one
process) an accepted bid reaches every live page within milliseconds. A stream in
another process (production: the bid is accepted by gunicorn, the stream is served by
uvicorn) wakes after at most `LIVE_POLL_SECONDS` and reads the version.
"""

import threading

_changed = threading.Condition()
_versions: dict[int, int] = {}


def auction_changed(auction_id: int) -> None:
    with _changed:
        _versions[auction_id] = _versions.get(auction_id, 0) + 1
        _changed.notify_all()


def local_version(auction_id: int) -> int:
    return _versions.get(auction_id, 0)


def wait_for_change(auction_id: int, seen: int, timeout: float) -> int:
    """Block up to `timeout` seconds until this process notes a change of the auction
    after `seen` (its local counter); returns the counter."""
    with _changed:
        _changed.wait_for(lambda: _versions.get(auction_id, 0) != seen, timeout=timeout)
        return _versions.get(auction_id, 0)
