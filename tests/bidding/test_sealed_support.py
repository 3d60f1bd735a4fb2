"""Builders shared by the sealed-quote tests (test_sealed_*.py import them): a round at
the quoting stage with its custodians, invited suppliers and opening key; quoting,
closing and opening it. The checks at the end of this file hold the builders to what the
other tests assume of them."""

import itertools
import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime as dt
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from bidding import crypto
from bidding.models import Bid, Company, CustodianShare
from bidding.models.companies import Representation
from bidding.services import bids, custodians, openings, rounds
from bidding.uscc import check_character
from tests.factories import force_stage, make_transaction, make_user, make_world
from trading import clock
from trading.models import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEADLINE = dt(2026, 12, 3, 9, 0, tzinfo=SHANGHAI)
BEFORE = DEADLINE - timedelta(hours=2)
AFTER = DEADLINE + timedelta(minutes=1)
PASSPHRASES = {
    Role.CLERK: "松涛-lantern-orchard-7391",
    Role.SUPERVISOR: "river stone quietly 58 hums",
    Role.PURCHASER: "晨雾中的七棵银杏 / ginkgo 2046",
}
_numbers = itertools.count(1)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fast_scrypt(settings):
    """New custodian keys with scrypt N = 2**10 instead of 2**17: the same code, fast tests.
    The parameters are stored with each key, so unlocking uses what the key was made with
    (test_crypto_custodian checks the production default)."""
    settings.CUSTODIAN_SCRYPT_LOG2_N = 10


def valid_uscc(n: int) -> str:
    first17 = f"913201{n:011d}"
    return first17 + check_character(first17)


def make_company(world, name=None) -> tuple[Company, object]:
    """A supplier with one representative holding the bidder role at world's station."""
    n = next(_numbers)
    user = make_user(f"supplier{n}-{world.station.code}", full_name=f"供应商代表{n}",
                     roles=[(Role.BIDDER, world.station, None)])
    company = Company.objects.create(uscc=valid_uscc(n * 7919 + 13), name=name or f"江苏示范科技有限公司{n}号",
                                     contact_name=f"联系人{n}", contact_phone="025-8888 0000")
    Representation.objects.create(company=company, user=user, since=BEFORE - timedelta(days=30))
    return company, user


def set_custodian_keys(world, roles=(Role.CLERK, Role.SUPERVISOR, Role.PURCHASER)):
    """Each custodian's key, set once (a second round of the same world reuses them)."""
    for role in roles:
        user = custodian(world, role)
        if not hasattr(user, "custodian_key"):
            custodians.custodian_key_set(user=user, passphrase=PASSPHRASES[role])


def custodian(world, role):
    return {Role.CLERK: world.clerk, Role.SUPERVISOR: world.supervisor, Role.PURCHASER: world.purchaser}[role]


@dataclass
class Round:
    world: object
    tx: object
    suppliers: list = field(default_factory=list)  # [(company, representative)]
    key: object = None
    bid_round: object = None

    def refresh(self):
        from trading.models import Transaction

        self.tx = Transaction.objects.get(pk=self.tx.pk).as_procedure()
        return self.tx

    def public_key(self) -> bytes:
        return bytes(self.key.public_key)

    def seal(self, i, price, *, code=None, supplier=None) -> bytes:
        company, _user = self.suppliers[i]
        return crypto.seal_quote(self.public_key(), origin=settings.LEDGER_ORIGIN, code=code or self.tx.code,
                                 supplier=supplier or company.uscc, price=price)

    def submit(self, i, price=None, *, envelope=None, at=BEFORE, idempotency_key="") -> Bid:
        company, user = self.suppliers[i]
        with clock.frozen_at(at):
            if envelope is None:
                return bids.bid_seal_for_web(bid_round=self.bid_round, company=company, price=price, user=user,
                                             idempotency_key=idempotency_key)
            return bids.bid_submit(bid_round=self.bid_round, company=company, envelope=envelope, user=user,
                                   idempotency_key=idempotency_key)

    def close(self, at=AFTER) -> list[str]:
        with clock.frozen_at(at):
            commitments = rounds.round_close(bid_round=self.bid_round)
        self.tx = force_stage(self.tx, "quotes_closed")
        self.bid_round.refresh_from_db()
        return commitments

    def share(self, role, passphrase=None):
        """(custodian, share) as the custodian's own device computes it."""
        user = custodian(self.world, role)
        share = CustodianShare.objects.get(custodian=user, opening_key=self.key)
        bundle = crypto.parse_bundle(json.dumps(custodians.share_bundle(share)))
        return user, crypto.open_share_with_passphrase(bundle, passphrase or PASSPHRASES[role])

    def shares(self, *roles):
        return [self.share(role) for role in roles]

    def open(self, *roles, at=AFTER, shares=None):
        with clock.frozen_at(at):
            return openings.bids_open(bid_round=self.bid_round, shares=shares if shares is not None
                                      else self.shares(*(roles or (Role.CLERK, Role.SUPERVISOR))),
                                      opened_by=self.world.clerk)


def recorded(kind=None, subject=None) -> list[dict]:
    """Every ledger entry recorded so far (sequenced or still pending), as dicts with at
    least kind, subject, actor and data; filtered by kind and subject."""
    import json

    from ledger.models import Entry, PendingEntry

    entries = [json.loads(bytes(body)) for body in Entry.objects.order_by("seq").values_list("body", flat=True)]
    entries += [json.loads(p) for p in PendingEntry.objects.order_by("id").values_list("payload", flat=True)]
    return [e for e in entries if (kind is None or e["kind"] == kind) and (subject is None or e["subject"] == subject)]


def quoting_round(*, suppliers=3, deadline=DEADLINE, k=2, world=None) -> Round:
    """A registered inquiry put at `quoting` (force_stage), every custodian's key set,
    `suppliers` companies invited and the opening key made, 2 of 3 by default."""
    world = world or make_world()
    set_custodian_keys(world)
    tx = make_transaction(world, stage="registered")
    tx = force_stage(tx, "quoting")
    r = Round(world=world, tx=tx, suppliers=[make_company(world) for _ in range(suppliers)])
    r.bid_round = rounds.round_open(transaction=tx, opens_at=min(BEFORE, deadline) - timedelta(days=1),
                                    deadline=deadline)
    rounds.round_admit(bid_round=r.bid_round, companies=[c for c, _u in r.suppliers], method="recommendation")
    r.key = custodians.opening_key_create(
        bid_round=r.bid_round, k=k, user=world.clerk,
        custodians=[(world.clerk, Role.CLERK), (world.supervisor, Role.SUPERVISOR),
                    (world.purchaser, Role.PURCHASER)])
    return r


def run_seal(*argv):
    """`python -m bidding.seal` in a fresh interpreter where importing Django fails: it needs none."""
    code = ("import runpy, sys; sys.modules['django'] = None; sys.argv = ['bidding.seal'] + sys.argv[1:]; "
            "runpy.run_module('bidding.seal', run_name='__main__')")
    return subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


# --- the builders do what the other tests assume ---------------------------------------------------

@pytest.mark.django_db
def test_a_quoting_round_has_three_invited_suppliers_and_a_two_of_three_key():
    r = quoting_round()
    assert r.tx.stage == "quoting"
    assert (r.key.k, r.key.n) == (2, 3)
    assert [s.role for s in r.key.shares.order_by("index")] == ["clerk", "supervisor", "purchaser"]
    assert all(c.admissions.filter(bid_round=r.bid_round).exists() for c, _u in r.suppliers)


def test_generated_credit_codes_are_valid():
    from bidding.uscc import uscc_check

    assert all(uscc_check(valid_uscc(n)) == valid_uscc(n) for n in (1, 20, 999, 123456))
