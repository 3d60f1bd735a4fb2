"""The REST API: token login, filing, documents, stage changes, and one JSON error shape."""

import pytest
from rest_framework.test import APIClient

from tests.factories import make_transaction, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def client_for(user):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": "pw-for-tests-1"},
                           format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


def test_anonymous_is_refused_with_the_json_error_shape():
    assert_error(APIClient().get("/api/v1/transactions/"), 401, "not_authenticated")


def test_wrong_password_and_bad_input():
    assert_error(APIClient().post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}, format="json"),
                 400, "login_failed")
    assert_error(APIClient().post("/api/v1/auth/token/", {}, format="json"), 400, "invalid_input")


def test_purchaser_files_attaches_and_submits_then_clerk_registers(world):
    purchaser = client_for(world.purchaser)
    created = purchaser.post("/api/v1/transactions/", {
        "unit": world.unit.pk, "type": "tender", "title": "镇政府后院地坪建设项目", "amount": "460000.00",
    }, format="json")
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    assert created.json()["stage"] == "draft" and created.json()["amount"] == "460000.00"
    # Not possible yet, and why: the move is listed as closed with the rule that refuses it.
    assert "submit" not in created.json()["available_actions"]
    [closed] = [a for a in created.json()["closed_actions"] if a["action"] == "submit"]
    assert closed["rule"] == "common.documents_attached" and "1" in closed["reason"] and closed["reason"]

    refused = purchaser.post(f"/api/v1/transactions/{code}/actions/submit/", {}, format="json")
    error = assert_error(refused, 422, "rule_violation")
    assert error["details"]["rule"] == "common.documents_attached"

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("立项批复.txt", "同意建设".encode(), content_type="text/plain")
    attached = purchaser.post(f"/api/v1/transactions/{code}/documents/", {"file": upload, "purpose": "approval"},
                              format="multipart")
    assert attached.status_code == 201, attached.content
    assert len(attached.json()["sha256"]) == 64

    assert "submit" in purchaser.get(f"/api/v1/transactions/{code}/").json()["available_actions"]
    submitted = purchaser.post(f"/api/v1/transactions/{code}/actions/submit/", {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["stage"] == "submitted"

    clerk = client_for(world.clerk)
    registered = clerk.post(f"/api/v1/transactions/{code}/actions/register/",
                            {"expected_stage": "submitted"}, format="json")
    assert registered.status_code == 200 and registered.json()["stage"] == "registered"
    again = clerk.post(f"/api/v1/transactions/{code}/actions/register/",
                       {"expected_stage": "submitted"}, format="json")
    assert_error(again, 409, "stage_conflict")


def test_roles_are_enforced(world):
    obj = make_transaction(world, stage="submitted")
    assert_error(client_for(world.supervisor).post(f"/api/v1/transactions/{obj.code}/actions/register/", {},
                                                   format="json"), 403, "not_permitted")
    # Another station's clerk does not even see it.
    assert_error(client_for(world.other_clerk).get(f"/api/v1/transactions/{obj.code}/"), 404, "not_found")
    assert_error(client_for(world.clerk).post(f"/api/v1/transactions/{obj.code}/actions/reject/", {},
                                              format="json"), 400, "invalid_input")


def test_bad_money_names_the_rule(world):
    response = client_for(world.purchaser).post("/api/v1/transactions/", {
        "unit": world.unit.pk, "type": "inquiry", "title": "电脑", "amount": "12.345"}, format="json")
    error = assert_error(response, 400, "invalid_input")
    assert "two decimal" in error["message"] or "两位小数" in error["message"]


def test_unknown_unit_and_type(world):
    client = client_for(world.purchaser)
    assert_error(client.post("/api/v1/transactions/", {"unit": 999999, "type": "inquiry", "title": "x",
                                                        "amount": "1"}, format="json"), 404, "not_found")
    assert_error(client.post("/api/v1/transactions/", {"unit": world.unit.pk, "type": "auction", "title": "x",
                                                        "amount": "1"}, format="json"), 400, "invalid_input")


def test_me_and_stations(world):
    client = client_for(world.supervisor)
    me = client.get("/api/v1/me/").json()
    assert {m["role"] for m in me["memberships"]} == {"supervisor"}
    assert len(me["memberships"]) == 2
    stations = client.get("/api/v1/stations/").json()
    assert any(s["code"] == world.station.code and s["units"] for s in stations)


def test_schema_and_docs_are_served():
    schema = APIClient().get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/transactions/" in schema.content
    docs = APIClient().get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
