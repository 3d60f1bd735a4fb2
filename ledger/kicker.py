"""The on-commit kick: after a change with ledger entries commits, have the `ledger.sequence`
task (ledger/tasks.py) run soon, without the committing request ever waiting on the broker.
"""

import atexit
import logging
import os
import threading
import time

from .tasks import sequence

logger = logging.getLogger(__name__)


def _kick_sequencer():
    """On commit: have the sequencer run soon (LEDGER.md: within one second).

    With a broker the task is queued by a background thread (`_Kicker`), so a committing
    request never waits on the broker, nor hangs while it is down, and commits that come
    while a kick is being queued share the next one. Without one (embedded mode, tasks
    eager) the sequencer runs here, in-process, as before.
    """
    if sequence.app.conf.task_always_eager:
        _queue_sequencer()
    else:
        _kicker.request()


def _queue_sequencer():
    try:
        sequence.delay()
    except Exception:  # the periodic task sequences it within a second anyway
        logger.exception("could not queue the ledger sequencer; the periodic run will")


class _Kicker:
    """One thread per process that queues the `ledger.sequence` task when asked.

    `request()` only sets a flag. The thread clears the flag *before* it queues the task,
    so every commit is followed by at least one task queued after it (a commit that comes
    while a task is being queued sets the flag again and gets the next one), while a burst
    of commits costs one broker round trip instead of one each. Started lazily, again in
    a forked child (gunicorn and Celery workers fork after import).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._wanted = None

    def request(self):
        if self._pid != os.getpid():
            self._start()
        self._wanted.set()

    def _start(self):
        with self._lock:
            if self._pid == os.getpid():
                return
            wanted = threading.Event()
            thread = threading.Thread(target=self._run, args=(wanted,), name="ledger-kicker", daemon=True)
            thread.start()
            self._wanted, self._pid = wanted, os.getpid()

    @staticmethod
    def _run(wanted):
        while True:
            wanted.wait()
            wanted.clear()
            _queue_sequencer()
            # Commits in the next moment share the next kick: at most a few kicks a second
            # per process however busy it is (the sequencer signs at most every
            # LEDGER_CHECKPOINT_MIN_INTERVAL anyway); each waits at most this long more.
            time.sleep(_KICK_MIN_INTERVAL)

    def flush(self):
        """At exit: queue the task now if a request is still waiting for the thread."""
        if self._pid == os.getpid() and self._wanted.is_set():
            self._wanted.clear()
            _queue_sequencer()


_KICK_MIN_INTERVAL = 0.05
_kicker = _Kicker()
atexit.register(_kicker.flush)
os.register_at_fork(after_in_child=lambda: setattr(_kicker, "_lock", threading.Lock()))
