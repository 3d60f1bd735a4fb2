"""ASGI entry point, served by uvicorn: in one process by `manage.py run_embedded`, in
production by gunicorn's uvicorn workers (docs/deploy.md). Django's handler, wrapped in
what a server needs around it: the access log, and an answer to the lifespan protocol,
which Django does not speak."""

import logging
import os
import time
from urllib.parse import quote

from django.core.asgi import get_asgi_application

from .accesslog import access_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

access_log = logging.getLogger("station.access")


def _raw_path(scope):
    # The path as the client sent it, still percent-encoded (config/accesslog.py).
    raw = scope.get("raw_path")
    if raw is not None:
        return raw.decode("ascii", "backslashreplace")
    return quote(scope.get("path", ""), safe="/")


async def _lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class StationApplication:
    def __init__(self, django):
        self.django = django

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        if scope["type"] != "http":
            return await self.django(scope, receive, send)
        started = time.perf_counter()
        status = "-"  # the client left before an answer

        async def send_noting_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.django(scope, receive, send_noting_status)
        finally:
            milliseconds = (time.perf_counter() - started) * 1000
            access_log.info("%s", access_line(scope["method"], _raw_path(scope), status, milliseconds))


application = StationApplication(get_asgi_application())
