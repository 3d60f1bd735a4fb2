"""The published HTTP interface of the log (LEDGER.md section 7): public, no login.

Bad parameters answer 400 with a JSON error naming the parameter, never 500.
"""

import json

from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import selectors
from .signing import SigningKeyMissing, verifier_key

MAX_ENTRIES_PER_REQUEST = 1000


class BadParameter(Exception):
    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def _error(status, code, message, parameter=None):
    error = {"code": code, "message": message}
    if parameter:
        error["parameter"] = parameter
    return _public(JsonResponse({"error": error}, status=status))


def _public(response):
    # Public, read-only data: any origin may fetch it (browser-based verifiers).
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _int_param(request, name, *, default=None):
    raw = request.GET.get(name)
    if raw is None or raw == "":
        if default is not None:
            return default
        raise BadParameter(name, _("the parameter %(name)s is required") % {"name": name})
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise BadParameter(
            name, _("the parameter %(name)s must be a non-negative integer") % {"name": name}
        )
    return int(raw)


def ledger_endpoint(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadParameter as exc:
            return _error(400, "bad_parameter", exc.message, exc.parameter)
        except SigningKeyMissing:
            return _error(503, "no_signing_key", _("the log has no signing key configured yet"))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return require_GET(wrapped)


@ledger_endpoint
def key(request):
    """The verifier key string."""
    return _public(HttpResponse(verifier_key() + "\n", content_type="text/plain; charset=utf-8"))


@ledger_endpoint
def checkpoint(request):
    """The latest signed checkpoint."""
    latest = selectors.latest_checkpoint()
    if latest is None:
        return _error(503, "no_checkpoint", _("no checkpoint has been signed yet"))
    response = HttpResponse(latest.note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return _public(response)


@ledger_endpoint
def checkpoints(request):
    """Every checkpoint with tree size > after, oldest first (streamed: there may be many)."""
    after = _int_param(request, "after", default=-1)

    def stream():
        yield '{"checkpoints":['
        first = True
        for note in selectors.checkpoints_after(after).values_list("note", flat=True).iterator():
            yield ("" if first else ",") + json.dumps(note, ensure_ascii=False)
            first = False
        yield "]}"

    response = StreamingHttpResponse(stream(), content_type="application/json")
    response["Cache-Control"] = "no-cache"
    return _public(response)


@ledger_endpoint
def entries(request):
    """Entries start .. start+limit-1, one canonical entry per line."""
    start = _int_param(request, "start")
    limit = _int_param(request, "limit", default=MAX_ENTRIES_PER_REQUEST)
    if not 1 <= limit <= MAX_ENTRIES_PER_REQUEST:
        raise BadParameter(
            "limit",
            _("the parameter limit must be between 1 and %(max)d") % {"max": MAX_ENTRIES_PER_REQUEST},
        )
    size = selectors.ledger_size()
    if start > size:
        raise BadParameter(
            "start",
            _("the parameter start (%(start)d) is beyond the end of the log (size %(size)d)")
            % {"start": start, "size": size},
        )
    bodies = selectors.entry_bodies(start, limit)
    response = HttpResponse(b"".join(body + b"\n" for body in bodies), content_type="application/jsonl")
    if len(bodies) == limit:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    return _public(response)


def _proof_or_none(make, *args):
    try:
        return make(*args)
    except selectors.BeyondLog:
        return None


@ledger_endpoint
def inclusion_proof(request):
    index = _int_param(request, "index")
    size = _int_param(request, "size")
    # Right parameters cost one query: the proof's own read tells whether the log has
    # `size` entries. Otherwise the log size is read for the errors, checked in this order.
    proof = _proof_or_none(selectors.inclusion_proof, index, size) if 0 <= index < size else None
    if proof is None:
        current = selectors.ledger_size()
        if size < 1 or size > current:
            raise BadParameter(
                "size",
                _("the parameter size must be between 1 and the log size (%(size)d)") % {"size": current},
            )
        if index >= size:
            raise BadParameter("index", _("the parameter index must be smaller than size"))
        proof = selectors.inclusion_proof(index, size)  # the log has grown to `size` meanwhile
    leaf, path = proof
    return _public(
        JsonResponse(
            {"index": index, "size": size, "leaf_hash": leaf.hex(), "path": [h.hex() for h in path]}
        )
    )


@ledger_endpoint
def consistency_proof(request):
    old = _int_param(request, "old")
    new = _int_param(request, "new")
    path = _proof_or_none(selectors.consistency_proof, old, new) if 1 <= old <= new else None
    if path is None:
        current = selectors.ledger_size()
        if new < 1 or new > current:
            raise BadParameter(
                "new",
                _("the parameter new must be between 1 and the log size (%(size)d)") % {"size": current},
            )
        if old < 1 or old > new:
            raise BadParameter("old", _("the parameter old must be between 1 and new"))
        path = selectors.consistency_proof(old, new)  # the log has grown to `new` meanwhile
    return _public(JsonResponse({"old": old, "new": new, "path": [h.hex() for h in path]}))
