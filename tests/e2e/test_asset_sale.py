"""The rooms above the school gate in real browsers: the clerk's registrations during the
disclosure, then the live auction with two buyers bidding from two browsers, each seeing
the other's bid arrive without a reload, and the public watching. Screenshots 50-59."""

import os
import signal
import subprocess
import sys

import pytest
from django.test import Client

from bidding.models import Auction
from tests.test_embedded_server import ROOT, answers, free_port, wait_for
from tests.test_live_server import database_url
from tests.trading.asset_sale_world import (
    MONDAY,
    appraise,
    close_disclosure,
    disclose,
    make_sale_world,
    register,
)
from trading import clock
from trading.procedures.asset_sale import services

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("ledger_transactional_db")]


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/work/")


@pytest.fixture
def asgi_pages(browser):
    """Pages of the platform served by uvicorn (ASGI, as `make run` serves it: the event
    streams need it) on the test database."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("STATION_MODE", "CELERY_BROKER_URL")}
    env.update(DATABASE_URL=database_url(), PYTHONUNBUFFERED="1")
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port),
                               "--loop", "asyncio", "--http", "h11", "--no-access-log"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    assert wait_for(lambda: server.poll() is not None or answers(port, "/ledger/key"), 30), "no server"
    contexts = []

    def make(user=None):
        context = browser.new_context(base_url=f"http://127.0.0.1:{port}", viewport={"width": 1280, "height": 900},
                                      locale="zh-CN")
        if user is not None:  # signed in by a session made here (the server checks it in the database)
            client = Client()
            client.force_login(user)
            context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                  "url": f"http://127.0.0.1:{port}"}])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    os.killpg(server.pid, signal.SIGTERM)
    server.communicate(timeout=15)


def test_two_buyers_bid_live_and_see_each_other_without_reload(new_page, asgi_pages, shot):
    with clock.frozen_at(MONDAY):
        sw = make_sale_world()
        appraise(sw)
        disclose(sw, increment="5000.00")
        register(sw, 0)
        register(sw, 1)
        clerk = new_page()
        log_in(clerk, sw.world.clerk)
        clerk.goto(f"/work/transactions/{sw.tx.code}/")
        assert clerk.locator("#asset-sale").get_by_text(sw.buyers[0][1].name).count() >= 1
        shot(clerk, "50-clerk-registrations")
        close_disclosure(sw)
    # The auction runs on the real clock.
    services.asset_start_auction(code=sw.tx.code, user=sw.world.clerk)
    auction = Auction.objects.get(transaction=sw.tx)
    (u0, c0), (u1, c1) = sw.buyers[:2]
    n0, n1 = auction.bidders.get(company=c0).number, auction.bidders.get(company=c1).number
    a, b, public = asgi_pages(u0), asgi_pages(u1), asgi_pages()
    for page in (a, b, public):
        page.goto(f"/live/{sw.tx.code}/")
        page.wait_for_selector("#link:has-text('live')")
    a.fill("#amount", "320000.00")
    a.click("#form-bid button[type=submit]")
    b.wait_for_selector(f"#history td:text-is('{n0}')")  # arrived by the event stream, no reload
    assert b.inner_text("#current-price") == "320000.00"
    assert b.input_value("#amount") == "325000.00"
    b.click("#form-bid button[type=submit]")
    a.wait_for_selector(f"#history td:text-is('{n1}')")
    assert a.inner_text("#current-price") == "325000.00"
    public.wait_for_selector(f"#history td:text-is('{n1}')")
    assert c0.name not in public.content() and c1.name not in public.content()
    a.fill("#amount", "326000.00")  # below the price plus the increment: refused, naming the rule
    a.click("#form-bid button[type=submit]")
    a.wait_for_selector("#bid-result.alert")
    shot(a, "51-live-auction-buyer-a")
    shot(b, "52-live-auction-buyer-b")
    shot(public, "53-live-auction-public")
    assert Auction.objects.get(pk=auction.pk).bid_count == 2
