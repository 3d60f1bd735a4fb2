"""Suppliers and pools: a bidder registers its company once with a valid code and clean
contact data; pool numbers S-0001, E-0001... per station, also under concurrency; only
experts enter the expert pool; conflicts name a unit of the station or a supplier."""

import pytest
from django.utils import translation

from bidding.models import Company, Conflict, SupplierPoolEntry
from bidding.services.companies import (
    company_register,
    conflict_declare,
    expert_pool_add,
    supplier_pool_add,
)
from tests.factories import make_user, make_world
from trading.errors import InvalidInput, NotPermitted
from trading.models import Role, Unit

pytestmark = pytest.mark.django_db

USCC = "91350100M000100Y43"
OTHER_USCC = ["9144030071526726XG", "91330100716105852F"]


@pytest.fixture
def world():
    return make_world()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def register(user, uscc=USCC, **fields):
    values = {"name": "福州市某某电脑有限公司", "contact_name": "林芳", "contact_phone": "0591-87654321", **fields}
    return company_register(user=user, uscc=uscc, **values)


def refused(**kwargs):
    with pytest.raises(InvalidInput) as exc:
        register(**kwargs)
    return exc.value


def test_a_bidder_registers_its_company_and_becomes_its_representative(world):
    company = register(world.bidder, uscc=" 91350100m000100y43 ", name="  福州市某某电脑有限公司 ",
                       contact_email="sales@example.cn", address="福州市鼓楼区")
    assert company.uscc == USCC and company.name == "福州市某某电脑有限公司"
    assert list(company.representatives.all()) == [world.bidder]
    assert company.contact_phone == "0591-87654321" and company.contact_email == "sales@example.cn"


def test_names_are_stored_in_nfc(world):
    company = register(world.bidder, name="Cafe\u0301 科技有限公司")
    assert company.name == "Café 科技有限公司"


def test_only_a_bidder_registers_a_company(world):
    for user in (world.clerk, world.purchaser, world.supervisor, world.expert, make_user()):
        with pytest.raises(NotPermitted):
            register(user)
    assert not Company.objects.exists()


def test_a_bad_code_is_refused_on_the_uscc_field_with_the_precise_reason(world):
    error = refused(user=world.bidder, uscc="91350100M000100Y44")
    assert error.details["field"] == "uscc" and "should be “3”" in error.message
    error = refused(user=world.bidder, uscc="91350100M00010")
    assert error.details["field"] == "uscc" and "this one has 14" in error.message


def test_a_code_registers_once(world):
    register(world.bidder)
    other = make_user(roles=[(Role.BIDDER, world.other_station, None)])
    error = refused(user=other, uscc="91350100 M000100 Y43")
    assert error.details["field"] == "uscc"
    assert USCC in error.message and "already registered" in error.message and "福州市某某电脑有限公司" in error.message
    assert Company.objects.count() == 1


@pytest.mark.parametrize("field, value, says", [
    ("name", "   ", "company name is required"),
    ("name", "公" * 201, "at most 200"),
    ("contact_name", "", "contact person is required"),
    ("contact_name", "林\x00芳", "control characters"),
    ("contact_phone", "", "contact phone is required"),
    ("contact_phone", "12345", "7 to 20 digits"),
    ("contact_phone", "0591-8765abcd", "7 to 20 digits"),
    ("contact_phone", "138+00000000", "“+” only in front"),
    ("contact_email", "not-an-email", "is not an e-mail address"),
    ("contact_email", "a@b", "is not an e-mail address"),
    ("address", "地" * 201, "at most 200"),
])
def test_contact_data_is_checked_and_the_field_named(world, field, value, says):
    error = refused(user=world.bidder, **{field: value})
    assert error.details["field"] == field and says in error.message


@pytest.mark.parametrize("typed, stored", [
    ("13800000000", "13800000000"),
    ("+86 138 0000 0000", "+86 138 0000 0000"),
    ("１３８００００００００", "13800000000"),  # full-width digits
])
def test_phone_numbers_as_people_write_them(world, typed, stored):
    assert register(world.bidder, contact_phone=typed).contact_phone == stored


def test_supplier_pool_numbers_are_per_station(world):
    bidders = [make_user(roles=[(Role.BIDDER, world.station, None)]) for _ in range(3)]
    companies = [register(b, uscc=u, name=f"公司{i}") for i, (b, u) in enumerate(zip(bidders, [USCC, *OTHER_USCC], strict=True))]
    entries = [supplier_pool_add(station=world.station, company=c, categories="计算机设备") for c in companies]
    assert [e.number for e in entries] == ["S-0001", "S-0002", "S-0003"]
    other = supplier_pool_add(station=world.other_station, company=companies[2])
    assert other.number == "S-0001"
    with pytest.raises(InvalidInput) as exc:
        supplier_pool_add(station=world.station, company=companies[0])
    assert "already in the supplier pool" in exc.value.message
    assert SupplierPoolEntry.objects.filter(station=world.station).count() == 3


def test_numbering_continues_after_the_highest_number_even_past_9999(world):
    bidders = [make_user(roles=[(Role.BIDDER, world.station, None)]) for _ in range(2)]
    first = supplier_pool_add(station=world.station, company=register(bidders[0]))
    SupplierPoolEntry.objects.filter(pk=first.pk).update(number="S-9999")
    second = supplier_pool_add(station=world.station, company=register(bidders[1], uscc=OTHER_USCC[0]))
    assert second.number == "S-10000"


def test_expert_pool_needs_the_expert_role_at_that_station(world):
    entry = expert_pool_add(station=world.station, user=world.expert, specialty="计算机", employer="县职业中专")
    assert entry.number == "E-0001" and entry.employer == "县职业中专"
    with pytest.raises(InvalidInput) as exc:
        expert_pool_add(station=world.other_station, user=world.expert)
    assert exc.value.details["field"] == "user" and "does not hold the expert role" in exc.value.message
    with pytest.raises(InvalidInput):
        expert_pool_add(station=world.station, user=world.clerk)
    with pytest.raises(InvalidInput) as exc:
        expert_pool_add(station=world.station, user=world.expert)
    assert "already in the expert pool" in exc.value.message
    second = expert_pool_add(station=world.station, user=make_user(roles=[(Role.EXPERT, world.station, None)]))
    assert second.number == "E-0002"


def test_a_conflict_names_a_unit_of_the_station_or_a_supplier(world):
    entry = expert_pool_add(station=world.station, user=world.expert)
    company = register(world.bidder)
    conflict = conflict_declare(expert_entry=entry, unit=world.unit, reason=" 配偶在该单位任职 ")
    assert conflict.reason == "配偶在该单位任职"
    conflict_declare(expert_entry=entry, company=company, reason="曾任该公司顾问")
    with pytest.raises(InvalidInput):
        conflict_declare(expert_entry=entry, reason="无")
    with pytest.raises(InvalidInput) as exc:
        conflict_declare(expert_entry=entry, unit=Unit.objects.get(station=world.other_station), reason="亲属")
    assert "another station" in exc.value.message
    with pytest.raises(InvalidInput):
        conflict_declare(expert_entry=entry, unit=world.unit, reason="")
    assert Conflict.objects.filter(expert=entry).count() == 2
