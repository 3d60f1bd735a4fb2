"""Login (with the limits of trading.services.accounts) and logout (which also revokes
the user's API token)."""

from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ..services.accounts import (
    LoginFailed,
    LoginLocked,
    api_token_revoke,
    client_address,
    login_authenticate,
)


@sensitive_post_parameters("password")
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    error = rule = retry_after = None
    username = ""
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "")
        try:
            user = login_authenticate(
                request=request, username=username, password=request.POST.get("password", ""),
                address=client_address(request),
            )
        except LoginLocked as exc:
            error, rule, retry_after, status = exc.message, exc.rule, exc.retry_after, 429
        except LoginFailed as exc:
            error, status = exc.message, 400
        else:
            login(request, user)
            return redirect(next_url or "work")
    response = render(request, "accounts/login.html", {
        "error": error, "rule": rule, "username": username, "next": next_url,
    }, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        api_token_revoke(user=request.user)
    logout(request)
    return redirect("home")
