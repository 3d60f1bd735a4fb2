"""Company registration through the pages, the API and the admin: a precise USCC error
on the right field with what was typed kept, the project's JSON error shape, pool numbers
given by the services, and never a 500 for bad input."""

import json

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from bidding.models import Company, Conflict, ExpertPoolEntry, SupplierPoolEntry
from bidding.services.companies import company_register, expert_pool_add
from tests.factories import make_world
from tests.refusals import refused_to_page, shown_once
from trading.models import Unit, User

pytestmark = pytest.mark.django_db

USCC = "91350100M000100Y43"
FORM = {"uscc": USCC, "name": "福州市某某电脑有限公司", "contact_name": "林芳", "contact_phone": "0591-87654321",
        "contact_email": "sales@example.cn", "address": "福州市鼓楼区"}


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.bidder)
    return client


# --- pages ----------------------------------------------------------------------------------

def test_the_register_page_needs_a_login_and_the_bidder_role(client, world):
    url = reverse("company-register")
    assert client.get(url).status_code == 302 and "login" in client.get(url)["Location"]
    client.force_login(world.clerk)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("work")
    assert client.post(url, FORM).status_code == 302 and not Company.objects.exists()


def test_a_bad_code_shows_the_precise_error_on_its_field_and_keeps_what_was_typed(client, world):
    client.force_login(world.bidder)
    assert client.get(reverse("company-register")).status_code == 200
    response = client.post(reverse("company-register"), {**FORM, "uscc": "91350100M000100Y44"})
    text = refused_to_page(client, response, reverse("company-register"), anchor="company-form").content.decode()
    assert 'id="id_uscc-error"' in text and 'href="#id_uscc"' in text and "“3”" in text and "“4”" in text
    assert 'aria-invalid="true"' in text
    assert 'value="91350100M000100Y44"' in text and 'value="福州市某某电脑有限公司"' in text
    assert 'value="0591-87654321"' in text and not Company.objects.exists()
    assert shown_once(client, reverse("company-register"))


def test_registering_then_seeing_my_company(client, world):
    client.force_login(world.bidder)
    response = client.post(reverse("company-register"), {**FORM, "uscc": "9135 0100 m000 100y 43"})
    assert response.status_code == 302 and response["Location"] == reverse("company-mine")
    company = Company.objects.get()
    assert company.uscc == USCC and list(company.representatives.all()) == [world.bidder]
    SupplierPoolEntry.objects.create(station=world.station, company=company, number="S-0001")
    page = client.get(reverse("company-mine")).content.decode()
    assert USCC in page and "福州市某某电脑有限公司" in page and "S-0001" in page and str(world.station) in page


def test_other_mistakes_land_on_their_field(client, world):
    client.force_login(world.bidder)
    with translation.override("en"):
        response = client.post(reverse("company-register"), {**FORM, "contact_phone": "call me"},
                               HTTP_ACCEPT_LANGUAGE="en")
        page = refused_to_page(client, response, reverse("company-register"))
    assert 'id="id_contact_phone-error"' in page.content.decode()
    response = client.post(reverse("company-register"), {**FORM, "name": ""})
    assert 'id="id_name-error"' in refused_to_page(client, response, reverse("company-register")).content.decode()


# --- API ------------------------------------------------------------------------------------

def test_api_register_and_list_mine(api, world):
    response = api.post("/api/v1/companies/", {**FORM, "uscc": "91350100m000100y43"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["uscc"] == USCC and body["name"] == FORM["name"] and body["pool_entries"] == []
    company = Company.objects.get()
    SupplierPoolEntry.objects.create(station=world.station, company=company, number="S-0001",
                                     categories="计算机设备")
    mine = api.get("/api/v1/companies/mine/").json()
    assert [c["uscc"] for c in mine] == [USCC]
    assert mine[0]["pool_entries"] == [{"station": world.station.code, "number": "S-0001",
                                        "categories": "计算机设备", "active": True}]


def test_api_errors_have_the_project_shape(api, world):
    response = api.post("/api/v1/companies/", {**FORM, "uscc": "91350100M000100Y44"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["details"]["field"] == "uscc" and "“3”" in error["message"]
    api.post("/api/v1/companies/", FORM, format="json")
    again = api.post("/api/v1/companies/", FORM, format="json")
    assert again.status_code == 400 and again.json()["error"]["details"]["field"] == "uscc"


@pytest.mark.parametrize("payload", [
    {},
    {**FORM, "uscc": ["91350100M000100Y43"]},
    {**FORM, "name": {"zh": "公司"}},
    {**FORM, "contact_name": "林\x00芳"},
    {**FORM, "name": "\ud800"},
    {**FORM, "contact_email": "x" * 500},
])
def test_api_bad_input_is_a_400_never_a_500(api, payload):
    # Sent as the client wrote it (a lone surrogate only survives as a JSON escape).
    response = api.post("/api/v1/companies/", json.dumps(payload), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_input"


def test_api_needs_a_bidder(world):
    client = APIClient()
    anonymous = client.post("/api/v1/companies/", FORM, format="json")
    assert anonymous.status_code in (401, 403) and "error" in anonymous.json()
    client.force_authenticate(world.purchaser)
    refused = client.post("/api/v1/companies/", FORM, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_permitted"
    assert client.get("/api/v1/companies/mine/").json() == []


# --- admin ----------------------------------------------------------------------------------

NO_CONFLICTS = {"conflicts-TOTAL_FORMS": "0", "conflicts-INITIAL_FORMS": "0"}
NO_POOL_ENTRIES = {"pool_entries-TOTAL_FORMS": "0", "pool_entries-INITIAL_FORMS": "0",
                   "representations-TOTAL_FORMS": "0", "representations-INITIAL_FORMS": "0"}


@pytest.fixture
def staff(client):
    admin = User.objects.create_superuser("stationadmin", password="pw-for-tests-1", full_name="站管理员")
    client.force_login(admin)
    return client


def test_admin_adds_pool_entries_through_the_services(staff, world):
    company = company_register(user=world.bidder, uscc=USCC, name="某某公司", contact_name="林芳",
                               contact_phone="13800000000")
    entry = {"station": world.station.pk, "company": company.pk, "categories": "计算机", "active": "on"}
    no_reason = staff.post(reverse("admin:bidding_supplierpoolentry_add"), entry)
    assert no_reason.status_code == 200 and not SupplierPoolEntry.objects.exists()
    response = staff.post(reverse("admin:bidding_supplierpoolentry_add"), {**entry, "reason": "资格审查合格"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SupplierPoolEntry.objects.get().number == "S-0001"
    again = staff.post(reverse("admin:bidding_supplierpoolentry_add"),
                       {"station": world.station.pk, "company": company.pk, "active": "on", "reason": "再次加入"})
    assert again.status_code == 200 and SupplierPoolEntry.objects.count() == 1

    response = staff.post(reverse("admin:bidding_expertpoolentry_add"),
                          {"station": world.station.pk, "user": world.expert.pk, "specialty": "计算机", "active": "on",
                           **NO_CONFLICTS})
    assert response.status_code == 302 and ExpertPoolEntry.objects.get().number == "E-0001"
    not_expert = staff.post(reverse("admin:bidding_expertpoolentry_add"),
                            {"station": world.station.pk, "user": world.clerk.pk, "active": "on", **NO_CONFLICTS})
    assert not_expert.status_code == 200 and ExpertPoolEntry.objects.count() == 1
    assert 'class="errorlist' in not_expert.content.decode()


def test_admin_refuses_a_bad_code_and_a_conflict_with_another_station_s_unit(staff, world):
    response = staff.post(reverse("admin:bidding_company_add"), {**FORM, "uscc": "91350100M000100Y44", **NO_POOL_ENTRIES})
    assert response.status_code == 200 and "“3”" in response.content.decode() and not Company.objects.exists()
    response = staff.post(reverse("admin:bidding_company_add"), {**FORM, "uscc": "91350100m000100y43", **NO_POOL_ENTRIES})
    assert response.status_code == 302 and Company.objects.get().uscc == USCC

    entry = expert_pool_add(station=world.station, user=world.expert)
    other_unit = Unit.objects.get(station=world.other_station)
    response = staff.post(reverse("admin:bidding_conflict_add"),
                          {"expert": entry.pk, "unit": other_unit.pk, "reason": "亲属"})
    assert response.status_code == 200 and not Conflict.objects.exists()
    response = staff.post(reverse("admin:bidding_conflict_add"),
                          {"expert": entry.pk, "unit": world.unit.pk, "reason": "亲属"})
    assert response.status_code == 302 and Conflict.objects.get().unit == world.unit
    assert staff.get(reverse("admin:bidding_expertpoolentry_change", args=[entry.pk])).status_code == 200
