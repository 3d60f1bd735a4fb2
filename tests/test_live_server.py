"""Live pages as production serves them (docs/deploy.md, "Live pages"): the event stream
served by uvicorn in a process of its own, the bids accepted by another process (here:
the test's), the change reaching the stream through the database (the auction's
version, read every LIVE_POLL_SECONDS)."""

import http.client
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.db import transaction as db_transaction

from bidding.services.auctions import auction_bid, auction_open
from bidding.services.companies import company_register
from tests.factories import make_transaction, make_user, make_world
from tests.test_embedded_server import ROOT, answers, free_port, wait_for
from tests.trading.asset_sale_world import uscc
from trading import clock
from trading.models import Role

pytestmark = pytest.mark.usefixtures("ledger_transactional_db")


def database_url():
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def read_event(response, timeout):
    """The next `state` event of the stream (its data), or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = response.fp.readline().decode()
        if line == "\n" and any(x.startswith("event: state") for x in lines):
            return json.loads(next(x for x in lines if x.startswith("data: "))[6:])
        if line == "\n":
            lines = []
        elif line:
            lines.append(line.rstrip("\n"))
    return None


def test_a_stream_in_another_process_sees_each_accepted_bid(tmp_path):
    world = make_world()
    bidders = []
    for i in range(2):
        user = make_user(roles=[(Role.BIDDER, world.station, None)])
        bidders.append((user, company_register(user=user, uscc=uscc(40 + i), name=f"实时公司{i}",
                                               contact_name="联系人", contact_phone="0591-87000000")))
    tx = make_transaction(world, stage="registered", type="asset_sale", amount="10000.00")
    with db_transaction.atomic():
        auction = auction_open(transaction=tx, companies=[c for _u, c in bidders], starting_price=10000,
                               increment=100, reserve_price=10000, countdown_seconds=300, starts_at=clock.now())
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("STATION_MODE", "CELERY_BROKER_URL")}
    env.update(DATABASE_URL=database_url(), LIVE_POLL_SECONDS="0.2", PYTHONUNBUFFERED="1")
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port),
                               "--loop", "asyncio", "--http", "h11", "--no-access-log"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        assert wait_for(lambda: server.poll() is not None or answers(port, "/ledger/key"), 30), "no server"
        stream = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        stream.request("GET", f"/live/{tx.code}/events/", headers={"Accept": "text/event-stream"})
        response = stream.getresponse()
        assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream"
        first = read_event(response, 10)
        assert first["bid_count"] == 0 and first["next_minimum"] == "10000.00"
        user, company = bidders[0]
        auction_bid(auction=auction, company=company, amount="10000.00", user=user)
        second = read_event(response, 10)
        assert second["bid_count"] == 1 and second["current_price"] == "10000.00"
        assert second["history"][0]["bidder"] == auction.bidders.get(company=company).number
        stream.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output, _ = server.communicate(timeout=15)
    assert "Traceback" not in output, output
