"""The embedded server (`make run`): uvicorn in one process with the scheduler thread,
DEBUG off, static files served, the platform's own error pages (never Django's debug
pages), an access log without query strings, sizes or client addresses."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path

from config.asgi import access_line
from trading.management.commands.run_embedded import hosts_served

ROOT = Path(__file__).resolve().parent.parent


# --- the server itself, as `make run` starts it -------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def get(port, url, host=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", url, headers={"Host": host} if host else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def answers(port, url):
    try:
        return get(port, url)[0] == 200
    except OSError:
        return False


@pytest.fixture
def embedded_env(tmp_path):
    """What `make run` gives the server: embedded mode (SQLite) in a fresh folder, DEBUG
    unset, a migrated database and a signing key."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "STATION_MODE", "DJANGO_DEBUG",
                        "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_ALLOWED_HOSTS", "LOG_LEVEL")}
    env.update({
        "STATION_VAR_DIR": str(tmp_path / "var"),
        "LEDGER_SIGNING_KEY_FILE": str(tmp_path / "var" / "keys" / "ledger.key"),
        "MEDIA_ROOT": str(tmp_path / "var" / "media"),
        "PYTHONUNBUFFERED": "1",
    })
    for command in (["migrate", "--noinput"], ["ledger_keygen", "--if-missing"]):
        result = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
    return env


def test_the_embedded_server_serves_pages_static_files_and_runs_the_scheduler(embedded_env):
    port = free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "run_embedded", "--port", str(port)],
                              cwd=ROOT, env=embedded_env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        assert wait_for(lambda: server.poll() is not None or answers(port, "/"), 30), "no answer on /"
        assert server.poll() is None, "the server stopped"
        status, body = get(port, "/static/css/site.css")
        assert status == 200 and body
        # Nobody asks for it: the scheduler thread signs the (empty) log's first checkpoint.
        assert wait_for(lambda: answers(port, "/ledger/checkpoint"), 10), "the scheduler did not sequence"
        assert get(port, "/ledger/checkpoint")[1].startswith(b"trading.localhost/ledger\n0\n")
        # DEBUG is off: the platform's own 404 page, not the list of URL patterns.
        status, body = get(port, "/no-such-page/?token=secret")
        text = body.decode()
        assert status == 404 and "此地址没有内容" in text
        assert "URLconf" not in text and "api/v1/" not in text and "admin/" not in text
        assert get(port, "/", host="localhost")[0] == 200
        assert get(port, "/", host="[::1]")[0] == 200
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            output, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output, _ = server.communicate()
    assert server.returncode == 0, output
    assert "Township trading station platform (embedded mode)" in output
    assert "development server" not in output and "warning" not in output.lower(), output
    assert "Traceback" not in output, output
    assert output.rstrip().endswith("Stopped."), output
    assert '"GET /static/css/site.css" 200 ' in output
    assert '"GET /no-such-page/" 404 ' in output and "secret" not in output


# --- pieces of it, in-process --------------------------------------------------------------


def test_the_access_log_says_method_path_status_and_duration_and_nothing_else():
    assert access_line("GET", "/audit/transactions/JY-2026-0001/?q=x", 200, 12.4) == (
        '"GET /audit/transactions/JY-2026-0001/" 200 12ms')


@pytest.mark.parametrize("path, logged", [
    ("/api/v1/transactions/JY-2026-0001/quotes/", "/api/v1/transactions/*/quotes/"),
    ("/api/v1/transactions/JY-2026-0001/quotes/mine/receipt/?commitment=ab", "/api/v1/transactions/*/quotes/mine/receipt/"),
    ("/bidding/quotes/JY-2026-0001/", "/bidding/quotes/*/"),
    ("/bidding/quotes/JY-2026-0001/receipt.txt?company=4", "/bidding/quotes/*/receipt.txt"),
    ("/api/v1/transactions/JY-2026-0001/inquiry/", "/api/v1/transactions/JY-2026-0001/inquiry/"),
])
def test_the_access_log_does_not_count_a_transactions_offers(path, logged):
    """A submission's path without its code: the log cannot count one transaction's offers."""
    from config.accesslog import logged_path

    assert logged_path(path) == logged


def test_the_host_served_is_allowed_besides_the_local_names():
    assert hosts_served("192.168.1.20") == ["192.168.1.20"]
    assert hosts_served("::1") == ["[::1]"]
    assert socket.gethostname() in hosts_served("0.0.0.0")


def test_an_unknown_address_with_debug_off_lists_no_url_pattern(client, settings):
    settings.DEBUG = False
    for language, said in (("zh-hans", "此地址没有内容"), ("en", "There is nothing at this address.")):
        client.cookies["django_language"] = language
        response = client.get("/api/v2/no-such-endpoint/")
        text = response.content.decode()
        assert response.status_code == 404 and said in text
        # What Django's debug page lists: the URLconf's patterns and their names.
        for pattern in ("URLconf", "URL patterns", "[name=", "admin/"):
            assert pattern not in text


def boom(request):
    raise RuntimeError("a secret detail of the failure")


def refuse(request):
    raise PermissionDenied


urlpatterns = [path("boom/", boom), path("refuse/", refuse), path("", include("config.urls"))]
handler403 = "trading.views.public.permission_denied"
handler404 = "trading.views.public.not_found"
handler500 = "trading.views.public.server_error"


@pytest.mark.urls("tests.test_embedded_server")
def test_a_server_error_with_debug_off_shows_the_platform_page_and_no_traceback(settings, db):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    for language, said in (("zh-hans", "服务器错误"), ("en", "Something went wrong on our side.")):
        client.cookies["django_language"] = language
        response = client.get("/boom/")
        text = response.content.decode()
        assert response.status_code == 500 and said in text
        assert "Traceback" not in text and "a secret detail" not in text and "RuntimeError" not in text
    response = client.get("/refuse/")
    assert response.status_code == 403 and 'role="alert"' in response.content.decode()
