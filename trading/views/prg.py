"""Post/Redirect/Get for every form of the pages (docs/architecture.md, "Pages and forms").

A refused POST never renders a page at the POST's address: `refuse` keeps in the user's
session what the page must show (the messages, the field each concerns, the form's name
and what was typed, never a secret or a file) and answers 303 See Other to the page the
form is on, at the form's anchor. The next GET of that page takes it out of the session,
so it is shown once: the summary at the top of the page (templates/base.html, role=alert,
each message linked to its field), the message next to its field and the typed values
refilled (the `prg` template tags, `typed.<form>.<field>`).

A view uses it in one line: `run(request, call, page=..., form=...)` around a service
call, the `refused_to(page, form)` decorator, or `refuse(...)` in its own `except`.
"""

import re
import time
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from ..errors import DomainError, NotFound

SESSION_KEY = "prg_refusal"
# A refusal not shown within this many seconds (the page was never loaded) is dropped.
MAX_AGE = 600
# Never kept, whatever the form: secrets, the sealed price (kept nowhere on the server:
# docs/sealed-bids.md), one-use tokens, the confirmation of a destructive move.
NEVER_KEPT = re.compile(r"password|passphrase|share|secret|token|^confirm(ed)?$|^price$|^idempotency_key$"
                        r"|^csrfmiddlewaretoken$|^understood$", re.IGNORECASE)
MAX_VALUE = 20000  # characters; a longer value is not kept (the message says what was wrong)
MAX_VALUES = 500
MAX_KEPT = 100000  # characters in all: the session stays small whatever was posted


class SeeOther(HttpResponseRedirect):
    status_code = 303


class Field:
    """A form's field as the page draws it: its HTML id, and the names the services give it
    in an error's `field` (often its translated label, e.g. clean_text(field=_("reason")))
    or the rules whose violation concerns it ("inquiry.quote_period")."""

    def __init__(self, id, *names):
        self.id, self.names = id, names


@dataclass
class Problem:
    message: str
    field: str | None  # the form's field name, or None for the form as a whole
    target: str  # the HTML id the summary links to: the field's, else the form's anchor

    @property
    def error_id(self):
        return f"{self.target}-error"


@dataclass
class Refusal:
    """What the page shows of a refused POST, once."""

    form: str
    anchor: str
    problems: list
    posted: QueryDict
    files_dropped: bool

    def problem(self, form, field):
        if form != self.form:
            return None
        return next((p for p in self.problems if p.field == field), None)

    def form_problems(self, form):
        return [p for p in self.problems if p.field is None] if form == self.form else []


class Typed(dict):
    """`typed.<form>.<field>` in templates: what was typed in that form when it was refused,
    an empty QueryDict for every other form."""

    def __missing__(self, key):
        return QueryDict()


def form_name(prefix, value):
    """The name of one of a page's repeated forms (one per quote, objection, registration):
    `prefix` and the first 16 letters and digits of the record it is for, as posted (a form's
    name goes into the page's anchors and the session, whatever was posted)."""
    return f"{prefix}_{''.join(c for c in str(value or '') if c.isascii() and c.isalnum())[:16]}"


def _resolve_field(keys, fields, posted_names):
    """(form field name, HTML id) of the field an error concerns (`keys`: the error's
    `field` and its rule), or (None, None)."""
    keys = [k for k in keys if k]
    for name, spec in fields.items():
        if any(k == name or k in {str(n) for n in spec.names} for k in keys):
            return name, spec.id
    for key in keys:
        if key in posted_names:
            return key, f"id_{key}"
    return None, None


def _kept(request, drop):
    kept, size = {}, 0
    for name in request.POST:
        if NEVER_KEPT.search(name) or name in drop:
            continue
        values = [v for v in request.POST.getlist(name)[:MAX_VALUES] if len(v) <= MAX_VALUE]
        size += len(name) + sum(len(v) for v in values)
        if size > MAX_KEPT:
            break
        if values:
            kept[name] = values
    return kept


def refuse(request, error, *, to, form, anchor=None, fields=None, drop=()):
    """Remember `error` for the next GET of `to` and answer 303 to `to#anchor`.

    `error`: a DomainError (its `details["field"]` or its rule places it next to that field), or a
    Django form's `errors` ({field or "__all__": [messages]}). `form`: the form's name
    (an identifier: `typed.<form>` in the template); `anchor`: the HTML id of the form
    (default `form-<form>`). `fields`: {field name: Field(html id, *names the services
    use)}, for fields whose id is not `id_<name>` or whose errors name them otherwise.
    `drop`: more fields not to keep (NEVER_KEPT are never kept)."""
    fields = fields or {}
    anchor = anchor or f"form-{form}"
    posted_names = set(request.POST) | set(request.FILES)
    if isinstance(error, DomainError):
        pairs = [((error.details.get("field"), getattr(error, "rule", None)), error.message)]
    else:
        pairs = [((None if name == "__all__" else name,), str(message))
                 for name, messages_ in error.items() for message in messages_]
    problems = []
    for keys, message in pairs:
        name, target = _resolve_field(keys, fields, posted_names)
        problems.append({"message": message, "field": name, "target": target or anchor})
    request.session[SESSION_KEY] = {
        "path": _path(to), "at": time.time(), "form": form, "anchor": anchor, "problems": problems,
        "posted": _kept(request, set(drop)), "files_dropped": bool(request.FILES),
    }
    return SeeOther(f"{to}#{anchor}")


def _path(url):
    return url.split("#", 1)[0].split("?", 1)[0]


def refusal(request):
    """The refusal kept for this page, taken out of the session (shown once), or None."""
    if hasattr(request, "_prg_refusal"):
        return request._prg_refusal
    found = None
    session = getattr(request, "session", None)
    stored = session.get(SESSION_KEY) if session is not None else None
    if stored is not None:
        if time.time() - stored.get("at", 0) > MAX_AGE:
            del session[SESSION_KEY]
        elif request.method == "GET" and stored.get("path") == request.path:
            del session[SESSION_KEY]
            posted = QueryDict(mutable=True)
            for name, values in stored["posted"].items():
                posted.setlist(name, values)
            found = Refusal(form=stored["form"], anchor=stored["anchor"], posted=posted,
                            problems=[Problem(**p) for p in stored["problems"]],
                            files_dropped=stored["files_dropped"])
    request._prg_refusal = found
    return found


def refill(request, form_name, form):
    """For a page drawn with a Django form: put back what was typed in `form_name` (as the
    unbound form's initial values) and mark the fields in error (aria-invalid,
    aria-describedby); the template shows the messages with `{% field_error %}`."""
    found = refusal(request)
    if found is None or found.form != form_name:
        return None
    for name in form.fields:
        if name in found.posted:
            form.initial[name] = found.posted.getlist(name) if len(found.posted.getlist(name)) > 1 \
                else found.posted[name]
    for problem in found.problems:
        if problem.field in form.fields:
            attrs = form.fields[problem.field].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = problem.error_id
    return found


def template_context(request):
    found = refusal(request)
    return {"form_refusal": found, "typed": Typed({found.form: found.posted} if found else {})}


def run(request, call, *, page, form, anchor=None, fields=None, drop=(), done=None):
    """A page form's POST in one line: `call()` (a service call); its answer (a text) or
    `done` as the success message and a redirect to `page`; a DomainError refused to
    `page` (`refuse`), a NotFound a 404."""
    try:
        result = call()
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        return refuse(request, exc, to=page, form=form, anchor=anchor, fields=fields, drop=drop)
    messages.success(request, result if isinstance(result, str) else (done or _("Done.")))
    return redirect(page)


def refused_to(page, form, *, anchor=None, fields=None, drop=()):
    """Decorator of a view that handles a page form's POST: a DomainError raised in it is
    refused to `page` (`refuse`), a NotFound is a 404. `page`: a URL name reversed with
    the view's keyword arguments (e.g. "transaction-detail" for a view taking `code`), or
    a callable (request, **kwargs) -> URL."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from None
            except DomainError as exc:
                to = page(request, **kwargs) if callable(page) else reverse(page, kwargs=kwargs)
                return refuse(request, exc, to=to, form=form, anchor=anchor, fields=fields, drop=drop)

        return wrapper

    return decorate


__all__ = ["Field", "MAX_AGE", "NEVER_KEPT", "Refusal", "SeeOther", "form_name", "refill", "refuse", "refused_to",
           "refusal", "run", "template_context"]
