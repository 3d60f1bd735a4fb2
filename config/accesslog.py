"""What the access log says about a request (both servers: config/asgi.py for uvicorn,
config/gunicorn.conf.py for gunicorn): time, method, path, status and duration. Never the
query string, the response size or the client's address; and in the paths of sealed
offers, not the transaction code: "POST /bidding/quotes/JY-2026-0001/ 302" at 10:02 would
tell whoever reads the log that one more offer reached that transaction before its
deadline (bidder names and counts are secret until then; docs/deploy.md, "Access log")."""

import re

# Paths whose transaction code would count the offers of one transaction.
_SEALED = (re.compile(r"^(/bidding/quotes/)[^/]+(/.*)?$"),
           re.compile(r"^(/api/v1/transactions/)[^/]+(/quotes/.*)$"))


def logged_path(raw_path: str) -> str:
    """The path as the client sent it (still percent-encoded, so no control character
    reaches the log), without the query string, with the code masked in offer paths."""
    path = raw_path.split("?", 1)[0]
    for pattern in _SEALED:
        match = pattern.match(path)
        if match:
            return f"{match.group(1)}*{match.group(2) or ''}"
    return path


def access_line(method, path, status, milliseconds) -> str:
    return f'"{method} {logged_path(path)}" {status} {milliseconds:.0f}ms'
