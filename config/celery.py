"""The Celery app. Workers and beat run the ledger sequencer and, later, the procedure
clock; in embedded mode (no broker) every task runs in-process where it is called."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("station")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
