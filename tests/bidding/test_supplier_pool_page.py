"""Issue 9 item 7: the clerk could not add a supplier to the station's pool from the pages.
The clerk's pool page (/bidding/pool/) adds a registered company and switches an entry on
or off, each with a reason that the ledger publishes (`company.changed`, `"pool"`); nobody
else can, through the page or the service; the admin's changes are ledgered the same way."""

import pytest
from django.test import Client
from django.urls import reverse

from bidding.models import SupplierPoolEntry
from bidding.services.companies import (
    company_register,
    supplier_pool_add,
    supplier_pool_enter,
    supplier_pool_switch,
)
from tests.bidding.test_sealed_support import recorded
from tests.factories import make_transaction, make_user, make_world
from tests.trading.inquiry_world import uscc
from trading.errors import InvalidInput, NotPermitted
from trading.models import Role, User
from trading.procedures.inquiry.selectors import clerk_choices

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def company(world):
    return company_register(user=world.bidder, uscc=uscc(1), name="示范县华信电脑有限公司", contact_name="陈静",
                            contact_phone="13800000000")


def browser(user=None):
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def pool_changes(company):
    return [e for e in recorded("company.changed", f"company:{company.pk}") if "pool" in e["data"]]


def test_the_clerk_adds_a_registered_supplier_with_a_reason_and_the_ledger_says_so(world, company):
    clerk = browser(world.clerk)
    page = clerk.get(reverse("supplier-pool"))
    assert page.status_code == 200 and company.name in page.content.decode()  # offered in the add form
    assert reverse("supplier-pool") in clerk.get("/work/").content.decode()  # reached from the clerk's home
    response = clerk.post(reverse("supplier-pool-add"), {"station": world.station.code, "company": company.pk,
                                                         "categories": "计算机设备", "reason": "资格审查合格"})
    assert response.status_code == 302 and response["Location"] == f"/bidding/pool/?station={world.station.code}"
    entry = SupplierPoolEntry.objects.get(station=world.station, company=company)
    assert (entry.number, entry.active, entry.categories) == ("S-0001", True, "计算机设备")
    [change] = pool_changes(company)
    assert change["data"] == {"pool": "added", "station": world.station.code, "number": "S-0001",
                              "reason": "资格审查合格"}
    assert change["actor"] == {"role": "clerk", "name": world.clerk.ledger_name()}
    page = clerk.get(response["Location"]).content.decode()
    assert "S-0001" in page and "is in the supplier pool as S-0001" in page


def test_without_a_reason_nothing_changes_and_the_page_says_why(world, company):
    response = browser(world.clerk).post(reverse("supplier-pool-add"),
                                         {"station": world.station.code, "company": company.pk, "reason": "  "})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode() and "reason" in response.content.decode()
    assert not SupplierPoolEntry.objects.exists() and pool_changes(company) == []


def test_switched_off_a_supplier_is_no_longer_offered_for_invitation_and_back_on_it_is(world, company):
    entry = supplier_pool_enter(station=world.station, company=company, user=world.clerk, reason="资格审查合格")
    tx = make_transaction(world, stage="registered")
    assert company in clerk_choices(tx, world.clerk)["companies"]
    clerk = browser(world.clerk)
    off = clerk.post(reverse("supplier-pool-switch", args=[entry.pk]),
                     {"station": world.station.code, "active": "off", "reason": "营业执照被吊销"})
    assert off.status_code == 302
    assert not SupplierPoolEntry.objects.get(pk=entry.pk).active
    assert company not in clerk_choices(tx, world.clerk)["companies"]
    # The same form again (a stale page): refused, nothing ledgered twice.
    again = clerk.post(reverse("supplier-pool-switch", args=[entry.pk]),
                       {"station": world.station.code, "active": "off", "reason": "再次"})
    assert again.status_code == 400 and "already switched off" in again.content.decode()
    on = clerk.post(reverse("supplier-pool-switch", args=[entry.pk]),
                    {"station": world.station.code, "active": "on", "reason": "已恢复营业执照"})
    assert on.status_code == 302 and SupplierPoolEntry.objects.get(pk=entry.pk).active
    assert [(c["data"]["pool"], c["data"]["reason"]) for c in pool_changes(company)] == [
        ("added", "资格审查合格"), ("deactivated", "营业执照被吊销"), ("activated", "已恢复营业执照")]


def test_nobody_but_the_station_s_clerks_keeps_its_pool(world, company):
    entry = supplier_pool_enter(station=world.station, company=company, user=world.clerk, reason="资格审查合格")
    other = company_register(user=make_user(roles=[(Role.BIDDER, world.station, None)]), uscc=uscc(2),
                             name="城关镇联想电脑专卖店", contact_name="周磊", contact_phone="13900000000")
    before = len(recorded("company.changed"))
    for user in (world.bidder, world.supervisor, world.purchaser, world.expert, world.other_clerk):
        client = browser(user)
        assert client.get(f"{reverse('supplier-pool')}?station={world.station.code}").status_code == 403
        add = client.post(reverse("supplier-pool-add"), {"station": world.station.code, "company": other.pk,
                                                         "reason": "想加入"})
        assert add.status_code == 403
        switch = client.post(reverse("supplier-pool-switch", args=[entry.pk]),
                             {"station": world.station.code, "active": "off", "reason": "不想要"})
        assert switch.status_code == 403
        with pytest.raises(NotPermitted):
            supplier_pool_enter(station=world.station, company=other, user=user, reason="想加入")
        with pytest.raises(NotPermitted):
            supplier_pool_switch(entry=entry, active=False, user=user, reason="不想要")
    # The other station's clerk keeps its own pool, not this one's entries.
    own = browser(world.other_clerk).post(reverse("supplier-pool-switch", args=[entry.pk]),
                                          {"station": world.other_station.code, "active": "off", "reason": "x"})
    assert own.status_code == 404
    anonymous = Client().get(reverse("supplier-pool"))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert SupplierPoolEntry.objects.get(pk=entry.pk).active
    assert not SupplierPoolEntry.objects.filter(company=other).exists()
    assert len(recorded("company.changed")) == before


def test_a_reason_is_required_to_switch_and_the_service_refuses_without_one(world, company):
    entry = supplier_pool_add(station=world.station, company=company)
    with pytest.raises(InvalidInput) as refused:
        supplier_pool_switch(entry=entry, active=False, user=world.clerk, reason="")
    assert refused.value.details["field"] == "reason"


def test_the_admin_switches_an_entry_with_a_reason_ledgered_as_the_administrator(world, company, client):
    admin = User.objects.create_superuser("stationadmin", password="pw-for-tests-1", full_name="站管理员")
    client.force_login(admin)
    entry = supplier_pool_enter(station=world.station, company=company, user=world.clerk, reason="资格审查合格")
    url = reverse("admin:bidding_supplierpoolentry_change", args=[entry.pk])
    refused = client.post(url, {"categories": "计算机", "reason": ""})  # "active" unticked: switched off
    assert refused.status_code == 200 and SupplierPoolEntry.objects.get(pk=entry.pk).active
    done = client.post(url, {"categories": "计算机", "reason": "供应商申请退出"})
    assert done.status_code == 302 and not SupplierPoolEntry.objects.get(pk=entry.pk).active
    last = pool_changes(company)[-1]
    assert last["data"]["pool"] == "deactivated" and last["data"]["reason"] == "供应商申请退出"
    assert last["actor"] == {"role": "administrator", "name": "站管理员"}
