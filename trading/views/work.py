"""The workspace of logged-in users: a home page per role, filing a transaction, its
detail page with the actions the user may take. Every action is a form POST (works
without JavaScript) that calls a service; a refused action answers 303 to the page the
form is on, which shows the error at the top and at the field with what the user typed
(Post/Redirect/Get: trading/views/prg.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ledger import selectors as ledger_selectors

from .. import registry, selectors
from ..errors import DomainError, InvalidInput, NotFound
from ..forms import DocumentForm, TransactionForm
from ..models import Role, Unit
from ..services.messages import inbox
from ..services.transactions import document_attach, transaction_create, transaction_update_draft
from ..services.transitions import transaction_transition
from . import prg


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


# The transaction form's fields as the services name them in their errors.
TRANSACTION_FIELDS = {
    "title": prg.Field("id_title", gettext_lazy("title")),
    "amount": prg.Field("id_amount", gettext_lazy("budget or appraised value")),
    "description": prg.Field("id_description", gettext_lazy("description")),
}


def _transaction_form_page(request, form, editing):
    """The form page of a new transaction or a draft: on a GET after a refusal, with what
    was typed and the messages (prg)."""
    prg.refill(request, "transaction", form)
    return render(request, "work/transaction_form.html", {"form": form, "editing": editing})


def _refuse_transaction_form(request, error):
    return prg.refuse(request, error, to=request.path, form="transaction", anchor="transaction-form",
                      fields=TRANSACTION_FIELDS)


@login_required
def transaction_new(request):
    units = _purchaser_units(request.user)
    if not units:
        messages.error(request, _("Only a purchaser can file a transaction."))
        return redirect("work")
    if request.method != "POST":
        return _transaction_form_page(request, TransactionForm(units=units), None)
    form = TransactionForm(request.POST, units=units)
    if not form.is_valid():
        return _refuse_transaction_form(request, form.errors)
    try:
        obj = transaction_create(user=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _refuse_transaction_form(request, exc)
    messages.success(
        request, _("%(code)s filed as a draft. Attach the approval documents, then submit it.") % {"code": obj.code},
    )
    return redirect("transaction-detail", code=obj.code)


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
            "form": move_form(t.name),
        }
        for t in selectors.available_transitions(obj, user)
        if not t.custom.get("form")  # moves with inputs have their own forms
    ]
    return sorted(actions, key=lambda a: a["danger"])


def _closed_actions(obj, user):
    """The moves this user could make from here once their rules hold, with why not yet."""
    return [{"name": t.name, "label": obj.action_label(t.name), "why": why, "form": move_form(t.name)}
            for t, why in selectors.closed_transitions(obj, user)]


def detail_context(request, obj, **extra):
    user = request.user
    is_purchaser = user.memberships.filter(role=Role.PURCHASER, unit_id=obj.unit_id).exists()
    # One rule for the page, the download and the API (selectors.documents_for).
    documents = list(selectors.documents_for(obj, user))
    document_form = DocumentForm()
    prg.refill(request, "document", document_form)
    context = {
        "obj": obj,
        "can_see_documents": bool(documents) or is_purchaser,
        "documents": documents,
        "timeline": ledger_selectors.subject_timeline(obj.code),
        "actions": _available_actions(obj, request.user),
        "closed_actions": _closed_actions(obj, request.user),
        "can_edit": is_purchaser and obj.stage == "draft",
        "document_form": document_form,
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
    units = _purchaser_units(request.user)
    if request.method != "POST":
        return _transaction_form_page(request, TransactionForm(units=units, initial=initial, editing=True), obj)
    form = TransactionForm(request.POST, units=units, initial=initial, editing=True)
    if not form.is_valid():
        return _refuse_transaction_form(request, form.errors)
    try:
        transaction_update_draft(
            transaction=obj, user=request.user, title=form.cleaned_data["title"],
            amount=form.cleaned_data["amount"], description=form.cleaned_data["description"],
        )
    except DomainError as exc:
        return _refuse_transaction_form(request, exc)
    messages.success(request, _("Draft saved."))
    return redirect("transaction-detail", code=obj.code)


@login_required
@require_POST
def document_upload(request, code):
    obj = visible_or_404(request.user, code)
    page = reverse("transaction-detail", args=[obj.code])
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return prg.refuse(request, form.errors, to=page, form="document")
    try:
        document = document_attach(
            transaction=obj, user=request.user, upload=form.cleaned_data["file"],
            purpose=form.cleaned_data["purpose"],
        )
    except DomainError as exc:
        return prg.refuse(request, exc, to=page, form="document",
                          fields={"file": prg.Field("id_file", gettext_lazy("file name"))})
    messages.success(request, _("Attached %(name)s (SHA-256 %(hash)s).")
                     % {"name": document.name, "hash": document.sha256})
    return redirect(page)


@login_required
def document_download(request, code, pk):
    obj = visible_or_404(request.user, code)
    document = selectors.documents_for(obj, request.user).filter(pk=pk).first()
    if document is None:
        raise Http404(_("no such document"))
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name,
                        content_type=document.content_type or "application/octet-stream")


def move_form(action):
    """The name of the form of the generic move `action` on the transaction page (its
    anchor is `form-<name>`)."""
    return f"move_{action}"


@login_required
@require_POST
def transaction_act(request, code, action):
    obj = visible_or_404(request.user, code)
    form = move_form(action)
    fields = {"reason": prg.Field(f"id_{form}_reason", gettext_lazy("reason")),
              "confirmed": prg.Field(f"id_{form}_confirmed")}
    try:
        move = selectors.transition_of(obj, action)
        if move is not None and move.custom.get("confirm") and request.POST.get("confirmed") != "yes":
            raise InvalidInput(_("“%(action)s” cannot be undone: tick the confirmation box")
                               % {"action": obj.action_label(action)}, field="confirmed")
        obj = transaction_transition(
            code=obj.code, action=action, user=request.user,
            expected_stage=request.POST.get("expected_stage") or None, reason=request.POST.get("reason", ""),
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        return prg.refuse(request, exc, to=reverse("transaction-detail", args=[obj.code]), form=form, fields=fields)
    messages.success(request, _("%(code)s: “%(action)s” done; now at stage “%(stage)s”.")
                     % {"code": obj.code, "action": obj.action_label(action), "stage": obj.stage_label()})
    return redirect("transaction-detail", code=obj.code)
