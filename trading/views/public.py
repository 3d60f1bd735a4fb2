"""Public pages, no login: the home page, the search of transactions, the audit trail of
the ledger, the notices and the documents they published."""

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseServerError
from django.shortcuts import render
from django.utils.translation import gettext as _

from ledger import selectors as ledger_selectors
from ledger.core import merkle
from ledger.core.checkpoint import parse_checkpoint
from ledger.core.note import Verifier, open_note
from ledger.signing import verifier_key

from .. import registry, search, selectors
from ..errors import InvalidInput
from ..models import Notice

PAGE_SIZE = 50
RESULTS_PER_PAGE = 20


def home(request):
    return render(request, "public/home.html", {
        "checkpoint": ledger_selectors.latest_checkpoint(),
        "recent": selectors.public_transactions()[:10],
        "procedures": search.procedure_choices(),
        "search_max_length": search.SEARCH_MAX_LENGTH,
    })


def search_transactions(request):
    """Registered transactions by code fragment, words of title or description, procedure
    and stage (trading/search.py), newest first, in numbered pages."""
    text = request.GET.get("q", "")
    type_ = request.GET.get("type", "")
    stage = request.GET.get("stage", "")
    status, error, page = 200, None, None
    try:
        number = _int_or_none(request.GET.get("page")) or 1
        page = Paginator(search.transactions_search(text=text, type=type_, stage=stage),
                         RESULTS_PER_PAGE).get_page(number)
    except ValueError:
        status, error = 400, _("“page” must be a page number (a positive integer)")
    except InvalidInput as refused:
        status, error = 400, refused.message
    return render(request, "public/search.html", {
        "q": text[: 2 * search.SEARCH_MAX_LENGTH],
        "type": type_,
        "stage": stage,
        "searched": bool(text.strip() or type_ or stage),
        "page": page,
        "error": error,
        "procedures": search.procedure_choices(),
        "stages": search.stage_choices(),
        "search_max_length": search.SEARCH_MAX_LENGTH,
    }, status=status)


def _int_or_none(raw):
    if raw in (None, ""):
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ValueError(raw)
    return int(raw)


def audit_trail(request):
    """Entries newest first, keyset-paginated (?before=seq), filtered by subject (a code,
    or a fragment of codes: search.audit_subjects) and kind."""
    subject = (request.GET.get("subject") or "").strip()[:64]
    kind = (request.GET.get("kind") or "").strip()[:64]
    status = 200
    error = None
    try:
        before = _int_or_none(request.GET.get("before"))
    except ValueError:
        before, status = None, 400
        error = _("“before” must be an entry number (a non-negative integer)")
    subjects = search.audit_subjects(subject)
    entries, more = ledger_selectors.entries_page(
        before=before, subjects=subjects.subjects if subject else None, kind=kind or None, limit=PAGE_SIZE
    )
    return render(request, "public/audit_trail.html", {
        "entries": entries,
        "older": entries[-1]["seq"] if more and entries else None,
        "before": before,
        "subject": subject,
        "subject_filter": subjects,
        "kind": kind,
        "kinds": search.entry_kind_choices(kind),
        "error": error,
        "checkpoint": _checkpoint_view(ledger_selectors.latest_checkpoint()),
        "size": ledger_selectors.ledger_size(),
    }, status=status)


def _checkpoint_view(checkpoint):
    if checkpoint is None:
        return None
    return {
        "size": checkpoint.size,
        "root_hex": bytes(checkpoint.root_hash).hex(),
        "note": checkpoint.note,
        "signed_at": checkpoint.signed_at,
    }


def audit_entry(request, seq):
    entry = ledger_selectors.entry_detail(seq)
    if entry is None:
        raise Http404(_("no entry with this number"))
    checkpoint = ledger_selectors.latest_checkpoint()
    proof = None
    if checkpoint is not None and checkpoint.size > seq:
        leaf, path = ledger_selectors.inclusion_proof(seq, checkpoint.size)
        # The root as signed: open the note with the published key, then parse it.
        root = parse_checkpoint(open_note(checkpoint.note, Verifier.from_string(verifier_key()))).root
        proof = {
            "size": checkpoint.size,
            "path": [h.hex() for h in path],
            "root_hex": root.hex(),
            "verified": merkle.verify_inclusion(seq, checkpoint.size, leaf, path, root),
        }
    return render(request, "public/audit_entry.html", {
        "entry": entry, "proof": proof, "checkpoint": _checkpoint_view(checkpoint),
    })


def audit_transaction(request, code):
    code = code.strip()[:64]
    timeline = ledger_selectors.subject_timeline(code)
    transaction = selectors.public_transaction(code)
    if not timeline and transaction is None:
        raise Http404(_("no transaction with this code in the ledger"))
    context = {"code": code, "timeline": timeline, "transaction": transaction}
    if transaction is not None:
        context["notices"] = selectors.notices_for(transaction, None)
        context["documents"] = selectors.public_documents(transaction)
        panel = registry.public_panel(transaction.type, request, transaction)
        if panel is not None:
            context["procedure_panel"], procedure_context = panel
            context.update(procedure_context)
    return render(request, "public/audit_transaction.html", context)


def notices(request):
    page = selectors.public_notices()[:200]
    return render(request, "public/notices.html", {"notices": page})


def notice_detail(request, pk):
    notice = Notice.objects.filter(pk=pk).select_related("transaction", "addressee").first()
    if notice is None or (notice.addressee_id is not None and not (
            request.user.is_authenticated
            and notice.addressee.representatives.filter(pk=request.user.pk).exists())):
        raise Http404(_("no such notice"))
    return render(request, "public/notice_detail.html", {
        "notice": notice, "documents": selectors.notice_documents(notice),
    })


def public_document(request, code, pk):
    """A document a public notice published (the procurement documents with the procedure's
    notice, the contract with the contract notice), for anyone, no login: the one rule of
    trading.selectors.documents_for, for the public."""
    transaction = selectors.public_transaction(code.strip()[:64])
    document = selectors.public_documents(transaction).filter(pk=pk).first() if transaction else None
    if document is None:
        raise Http404(_("no such public document"))
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name,
                        content_type=document.content_type or "application/octet-stream")


def audit_checkpoints(request):
    try:
        before = _int_or_none(request.GET.get("before"))
    except ValueError:
        before = None
    rows = ledger_selectors.checkpoints_before(before, PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render(request, "public/audit_checkpoints.html", {
        "checkpoints": [_checkpoint_view(c) for c in rows],
        "older": rows[-1].size if more and rows else None,
    })


def _said(exception):
    """The message an Http404 or PermissionDenied was raised with, if it was given one (not
    a URL resolver's report, which lists the site's patterns)."""
    message = exception.args[0] if exception is not None and exception.args else None
    return message if isinstance(message, str) and message else None


def not_found(request, exception=None):
    return render(request, "public/error.html", {
        "title": _("Not found"), "message": _said(exception) or _("There is nothing at this address."),
    }, status=404)


def bad_request(request, exception=None, message=None):
    return render(request, "public/error.html", {
        "title": _("Bad request"),
        "message": message or _("The request could not be understood: check the address or the form and try again."),
    }, status=400)


def permission_denied(request, exception=None):
    return render(request, "public/error.html", {
        "title": _("Not permitted"), "message": _said(exception) or _("Your role does not allow this."),
    }, status=403)


# Served when the page itself cannot be rendered (say the database that the page's header
# asks for the user is what failed): both languages, nothing to look up.
SERVER_ERROR_FALLBACK = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>服务器错误 / Server error</title>'
    "</head><body><h1>服务器错误 / Server error</h1>"
    "<p>平台出现了内部错误，已记录在服务器日志中。您已保存的内容不受影响，请稍后重试。</p>"
    "<p>Something went wrong on our side. Nothing you saved was lost; please try again.</p>"
    '<p><a href="/">首页 / Home</a></p></body></html>'
)


def server_error(request):
    try:
        return render(request, "public/error.html", {
            "title": _("Server error"),
            "message": _("Something went wrong on our side. Nothing you saved was lost; please try again."),
        }, status=500)
    except Exception:  # noqa: BLE001 - the error page must not fail in turn
        return HttpResponseServerError(SERVER_ERROR_FALLBACK)
