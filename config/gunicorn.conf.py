"""gunicorn in production: `gunicorn -c config/gunicorn.conf.py config.wsgi` (docs/deploy.md).

WSGI with threaded workers: measured against gunicorn's uvicorn workers (ASGI) on the same
machine, requests took a half to a seventh of the time, mostly because Django under ASGI
opens a database connection per request (docs/deploy.md, "Why WSGI in production").
"""

import os

from gunicorn.glogging import Logger

from config.accesslog import logged_path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# Each thread keeps its own database connection (CONN_MAX_AGE): workers x threads of them.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 60

# The access log: time, method, path, status and duration. Never the query string, the
# response size or the client's address: with the time of day they told who quoted on
# what before the deadline (docs/deploy.md, "Access log"). config/asgi.py writes the same
# fields for the embedded server.
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(M)sms'


class AccessLogger(Logger):
    """%(U)s as the client sent it (still percent-encoded, without the query string):
    gunicorn's own is the decoded path, where an encoded line break would start a forged
    log line."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = logged_path(environ.get("RAW_URI", "")) or "-"
        return atoms


logger_class = AccessLogger
