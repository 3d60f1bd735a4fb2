"""A person's inbox: the messages the platform sent them (notices that concern them, steps
that wait for them), newest first; reading one marks it read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..services.messages import inbox, message_read


@login_required
def inbox_page(request):
    page = Paginator(inbox(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "work/inbox.html", {"page": page})


@login_required
def message_page(request, pk):
    message = message_read(user=request.user, pk=pk)
    if message is None:
        raise Http404(_("no such message in your inbox"))
    return render(request, "work/message.html", {"message": message})


@login_required
@require_POST
def inbox_all_read(request):
    for message in inbox(request.user).filter(read_at__isnull=True):
        message_read(user=request.user, pk=message.pk)
    return redirect("inbox")
