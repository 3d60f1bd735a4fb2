"""The workspace of logged-in users: a home page per role, filing a transaction, its
detail page with the actions the user may take. Every action is a form POST (works
without JavaScript) that calls a service; a refused action re-renders the page with the
error and what the user typed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ledger import selectors as ledger_selectors

from .. import registry, selectors
from ..errors import DomainError, InvalidInput, NotFound
from ..forms import DocumentForm, TransactionForm
from ..models import Role, Unit
from ..services.messages import inbox
from ..services.transactions import document_attach, transaction_create, transaction_update_draft
from ..services.transitions import transaction_transition


@login_required
def home(request):
    user = request.user
    roles = {m.role for m in user.memberships.all()}
    visible = selectors.visible_transactions(user)
    context = {
        "roles": roles,
        "memberships": user.memberships.select_related("station", "unit"),
        "transactions": visible[:100],
        "awaiting": selectors.awaiting_registration(user) if Role.CLERK in roles else [],
        "open_procedures": selectors.public_transactions()[:50]
        if roles & {Role.BIDDER, Role.EXPERT} else [],
        "panel_seats": user.panel_seats.select_related("transaction").order_by("-transaction__created_at")[:50],
        "todos": selectors.todos_for(user),
        "messages_unread": inbox(user).filter(read_at__isnull=True)[:5],
    }
    return render(request, "work/home.html", context)


def _purchaser_units(user):
    return Unit.objects.filter(purchasers__user=user, purchasers__role=Role.PURCHASER).select_related(
        "station"
    ).distinct()


@login_required
def transaction_new(request):
    units = _purchaser_units(request.user)
    if not units:
        messages.error(request, _("Only a purchaser can file a transaction."))
        return redirect("work")
    form = TransactionForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            obj = transaction_create(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            messages.success(
                request, _("%(code)s filed as a draft. Attach the approval documents, then submit it.")
                % {"code": obj.code},
            )
            return redirect("transaction-detail", code=obj.code)
    elif request.method == "POST":
        status = 400
    return render(request, "work/transaction_form.html", {"form": form, "editing": None}, status=status)


def visible_or_404(user, code):
    obj = selectors.visible_transaction(user, code)
    if obj is None:
        raise Http404(_("no transaction %(code)s among those you can see") % {"code": code})
    return obj


def _available_actions(obj, user):
    """The moves from the current stage this user may make, for the action forms (a
    destructive one last, with a confirmation)."""
    actions = [
        {
            "name": t.name,
            "label": obj.action_label(t.name),
            "needs_reason": t.custom.get("needs_reason", False),
            "danger": t.custom.get("danger", False),
            "confirm": t.custom.get("confirm", False),
        }
        for t in selectors.available_transitions(obj, user)
        if not t.custom.get("form")  # moves with inputs have their own forms
    ]
    return sorted(actions, key=lambda a: a["danger"])


def _closed_actions(obj, user):
    """The moves this user could make from here once their rules hold, with why not yet."""
    return [{"name": t.name, "label": obj.action_label(t.name), "why": why}
            for t, why in selectors.closed_transitions(obj, user)]


def detail_context(request, obj, **extra):
    user = request.user
    is_purchaser = user.memberships.filter(role=Role.PURCHASER, unit_id=obj.unit_id).exists()
    # One rule for the page, the download and the API (selectors.documents_for).
    documents = list(selectors.documents_for(obj, user))
    context = {
        "obj": obj,
        "can_see_documents": bool(documents) or is_purchaser,
        "documents": documents,
        "timeline": ledger_selectors.subject_timeline(obj.code),
        "actions": _available_actions(obj, request.user),
        "closed_actions": _closed_actions(obj, request.user),
        "can_edit": is_purchaser and obj.stage == "draft",
        "document_form": DocumentForm(),
        **extra,
    }
    panel = registry.panel(obj.type, request, obj)
    if panel is not None:
        context["procedure_panel"], procedure_context = panel
        context.update(procedure_context)
    return context


@login_required
def transaction_detail(request, code):
    obj = visible_or_404(request.user, code)
    return render(request, "work/transaction_detail.html", detail_context(request, obj))


@login_required
def transaction_edit(request, code):
    obj = visible_or_404(request.user, code)
    initial = {"unit": obj.unit_id, "type": obj.type, "title": obj.title,
               "amount": f"{obj.amount:.2f}", "description": obj.description}
    form = TransactionForm(request.POST or None, units=_purchaser_units(request.user), initial=initial,
                           editing=True)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            transaction_update_draft(
                transaction=obj, user=request.user, title=form.cleaned_data["title"],
                amount=form.cleaned_data["amount"], description=form.cleaned_data["description"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 400
        else:
            messages.success(request, _("Draft saved."))
            return redirect("transaction-detail", code=obj.code)
    elif request.method == "POST":
        status = 400
    return render(request, "work/transaction_form.html", {"form": form, "editing": obj}, status=status)


@login_required
@require_POST
def document_upload(request, code):
    obj = visible_or_404(request.user, code)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = document_attach(
                transaction=obj, user=request.user, upload=form.cleaned_data["file"],
                purpose=form.cleaned_data["purpose"],
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("Attached %(name)s (SHA-256 %(hash)s).")
                             % {"name": document.name, "hash": document.sha256})
            return redirect("transaction-detail", code=obj.code)
    return render(request, "work/transaction_detail.html",
                  detail_context(request, obj, document_form=form), status=400)


@login_required
def document_download(request, code, pk):
    obj = visible_or_404(request.user, code)
    document = selectors.documents_for(obj, request.user).filter(pk=pk).first()
    if document is None:
        raise Http404(_("no such document"))
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name,
                        content_type=document.content_type or "application/octet-stream")


@login_required
@require_POST
def transaction_act(request, code, action):
    obj = visible_or_404(request.user, code)
    reason = request.POST.get("reason", "")
    try:
        move = selectors.transition_of(obj, action)
        if move is not None and move.custom.get("confirm") and request.POST.get("confirmed") != "yes":
            raise InvalidInput(_("“%(action)s” cannot be undone: tick the confirmation box")
                               % {"action": obj.action_label(action)}, field="confirmed")
        obj = transaction_transition(
            code=obj.code, action=action, user=request.user,
            expected_stage=request.POST.get("expected_stage") or None, reason=reason,
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        obj = visible_or_404(request.user, code)
        context = detail_context(request, obj, action_error=exc.message, failed_action=action,
                                  reason=reason)
        status = {"stage_conflict": 409, "not_permitted": 403, "rule_violation": 422}.get(exc.code, 400)
        return render(request, "work/transaction_detail.html", context, status=status)
    messages.success(request, _("%(code)s: “%(action)s” done; now at stage “%(stage)s”.")
                     % {"code": obj.code, "action": obj.action_label(action), "stage": obj.stage_label()})
    return redirect("transaction-detail", code=obj.code)
