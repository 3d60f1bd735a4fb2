"""The embedded mode's in-process scheduler: runs the periodic jobs that Celery beat runs
in production (settings.PERIODIC_JOBS: the procedures' clock tick, the draws due, ledger
sequencing and checkpoint signing) every EMBEDDED_TICK_SECONDS, in a daemon thread of the
web server process. The jobs are named by dotted path, as beat names its tasks."""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def jobs():
    return [(path, import_string(path)) for path in settings.PERIODIC_JOBS]


class EmbeddedScheduler(threading.Thread):
    def __init__(self, interval=None):
        super().__init__(name="embedded-scheduler", daemon=True)
        self.interval = interval or settings.EMBEDDED_TICK_SECONDS
        self.stopped = threading.Event()
        self.jobs = jobs()

    def run_once(self):
        for name, job in self.jobs:
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
