"""Pool numbers under concurrency: real threads, real commits; every entry gets its own
number and none is skipped."""

import pytest

from bidding.models import Company, ExpertPoolEntry, SupplierPoolEntry
from bidding.services.companies import company_register, expert_pool_add, supplier_pool_add
from tests.factories import make_user, make_world
from tests.trading.test_concurrency import race
from trading.errors import InvalidInput
from trading.models import Role

USCC = ["91350100M000100Y43", "9144030071526726XG", "91330100716105852F"]


@pytest.mark.usefixtures("ledger_transactional_db")
def test_concurrent_pool_additions_get_consecutive_numbers():
    world = make_world()
    experts = [make_user(roles=[(Role.EXPERT, world.station, None)]) for _ in range(6)]
    results = race(6, lambda i: expert_pool_add(station=world.station, user=experts[i]))
    assert all(isinstance(r, ExpertPoolEntry) for r in results), results
    numbers = sorted(ExpertPoolEntry.objects.filter(station=world.station).values_list("number", flat=True))
    assert numbers == [f"E-{i:04d}" for i in range(1, 7)]

    companies = [company_register(user=world.bidder, uscc=u, name=f"公司{i}", contact_name="林芳",
                                  contact_phone="13800000000") for i, u in enumerate(USCC)]
    results = race(3, lambda i: supplier_pool_add(station=world.station, company=companies[i]))
    assert all(isinstance(r, SupplierPoolEntry) for r in results), results
    assert sorted(e.number for e in results) == ["S-0001", "S-0002", "S-0003"]


@pytest.mark.usefixtures("ledger_transactional_db")
def test_concurrent_registrations_of_one_code_give_one_company():
    world = make_world()
    bidders = [make_user(roles=[(Role.BIDDER, world.station, None)]) for _ in range(4)]
    results = race(4, lambda i: company_register(user=bidders[i], uscc=USCC[0], name="福州市某某电脑有限公司",
                                                 contact_name="林芳", contact_phone="13800000000"))
    assert sum(isinstance(r, Company) for r in results) == 1, results
    assert sum(isinstance(r, InvalidInput) and r.details.get("field") == "uscc" for r in results) == 3, results
    assert Company.objects.count() == 1
