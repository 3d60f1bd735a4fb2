"""The embedded mode's in-process scheduler: runs the periodic jobs that Celery beat runs
in production (the procedures' clock tick, ledger sequencing and checkpoint signing)
every EMBEDDED_TICK_SECONDS, in a daemon thread of the web server process."""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)


def _jobs():
    from ledger.sequencer import ledger_run_sequencer

    from .services.ticks import tick

    return [("trading.tick", tick), ("ledger.sequence", ledger_run_sequencer)]


class EmbeddedScheduler(threading.Thread):
    def __init__(self, interval=None):
        super().__init__(name="embedded-scheduler", daemon=True)
        self.interval = interval or settings.EMBEDDED_TICK_SECONDS
        self.stopped = threading.Event()

    def run_once(self):
        for name, job in _jobs():
            try:
                job()
            except Exception:  # keep ticking; the error is in the log
                logger.exception("periodic job %s failed", name)
            finally:
                close_old_connections()

    def run(self):
        while not self.stopped.wait(self.interval):
            self.run_once()

    def stop(self):
        self.stopped.set()
