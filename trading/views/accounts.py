"""Login (with the lockout of trading.services.accounts) and logout."""

from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ..services.accounts import LoginFailed, LoginLocked, client_address, login_authenticate


@sensitive_post_parameters("password")
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    error = None
    username = ""
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "")
        try:
            user = login_authenticate(
                request=request, username=username, password=request.POST.get("password", ""),
                address=client_address(request),
            )
        except (LoginFailed, LoginLocked) as exc:
            error = exc.message
            status = 429 if isinstance(exc, LoginLocked) else 400
        else:
            login(request, user)
            return redirect(next_url or "work")
    return render(request, "accounts/login.html", {
        "error": error, "username": username, "next": next_url,
    }, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("home")
