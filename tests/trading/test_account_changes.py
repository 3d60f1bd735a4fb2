"""An administrator's changes to people, tried through the Django admin (issue 8, finding
4): every role given or taken (the Membership inline), every change of an account's
standing (active, staff, superuser, its admin permissions) and every password the
administrator sets is ledgered as `account.changed`, subject `user:<id>`, with the role
and the station's code; no name but the acting administrator's. An account is switched
off, never deleted (deleting it would take its roles without a trace)."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.admin_forms import admin_form, inline_add, inline_row
from tests.bidding.test_sealed_support import recorded
from tests.factories import make_user, make_world
from trading.models import Membership, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def superuser():
    return User.objects.create_superuser("siteadmin", password="pw-for-tests-1", full_name="站点管理员",
                                         email="admin@example.cn")


@pytest.fixture
def admin_client(superuser):
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def person(world):
    return make_user("lin.fang", full_name="林芳", roles=[(Role.BIDDER, world.station, None)])


def change_url(user):
    return reverse("admin:trading_user_change", args=[user.pk])


def save(client, user, data):
    response = client.post(change_url(user), {**data, "_save": "Save"})
    assert response.status_code == 302, response.content.decode()[:3000]
    return response


def entries(user):
    return recorded("account.changed", f"user:{user.pk}")


def assert_no_personal_data(user, superuser):
    for entry in entries(user):
        assert entry["actor"] == {"role": "administrator", "name": superuser.full_name}
        text = json.dumps(entry, ensure_ascii=False)
        for personal in (user.username, user.full_name, user.email or "@", superuser.username, superuser.email):
            assert personal not in text


def test_a_role_given_changed_and_taken_in_the_admin_is_ledgered(admin_client, superuser, world, person):
    data = inline_add(admin_form(admin_client, change_url(person)), "memberships", station=world.station.pk,
                      role=Role.CLERK, unit="")
    save(admin_client, person, data)
    assert person.memberships.filter(role=Role.CLERK, station=world.station).exists()
    assert [e["data"] for e in entries(person)] == [
        {"change": "role_added", "role": "clerk", "station": world.station.code}]

    data = admin_form(admin_client, change_url(person))
    row = inline_row(data, "memberships", "role", Role.BIDDER)
    save(admin_client, person, {**data, f"memberships-{row}-role": Role.EXPERT})
    assert [e["data"] for e in entries(person)][1:] == [
        {"change": "role_removed", "role": "bidder", "station": world.station.code},
        {"change": "role_added", "role": "expert", "station": world.station.code}]

    data = admin_form(admin_client, change_url(person))
    row = inline_row(data, "memberships", "role", Role.CLERK)
    save(admin_client, person, {**data, f"memberships-{row}-DELETE": "on"})
    assert not person.memberships.filter(role=Role.CLERK).exists()
    assert entries(person)[-1]["data"] == {"change": "role_removed", "role": "clerk", "station": world.station.code}
    assert all(e["subject"] == f"user:{person.pk}" for e in entries(person))
    assert_no_personal_data(person, superuser)


def test_superuser_staff_and_active_toggles_are_ledgered(admin_client, superuser, person):
    data = admin_form(admin_client, change_url(person))
    save(admin_client, person, {**data, "is_superuser": "on", "is_staff": "on"})
    assert sorted(e["data"]["change"] for e in entries(person)) == ["staff", "superuser"]
    data = admin_form(admin_client, change_url(person))
    data.pop("is_active")
    data.pop("is_superuser")
    save(admin_client, person, data)
    assert sorted(e["data"]["change"] for e in entries(person)[2:]) == ["deactivated", "not_superuser"]
    person.refresh_from_db()
    assert not person.is_active and not person.is_superuser and person.is_staff
    data = admin_form(admin_client, change_url(person))
    save(admin_client, person, {**data, "full_name": "林芳芳"})  # nothing of standing: nothing ledgered
    assert len(entries(person)) == 4
    assert_no_personal_data(person, superuser)


def test_admin_permissions_given_to_an_account_are_ledgered(admin_client, superuser, person):
    change_company = Permission.objects.get(codename="change_company", content_type__app_label="bidding")
    data = admin_form(admin_client, change_url(person))
    save(admin_client, person, {**data, "is_staff": "on", "user_permissions": [str(change_company.pk)]})
    assert person.has_perm("bidding.change_company")
    changes = {e["data"]["change"]: e["data"] for e in entries(person)}
    assert changes["permissions"] == {"change": "permissions", "granted": ["bidding.change_company"]}
    data = admin_form(admin_client, change_url(person))
    data.pop("user_permissions")
    save(admin_client, person, data)
    assert entries(person)[-1]["data"] == {"change": "permissions", "revoked": ["bidding.change_company"]}
    assert_no_personal_data(person, superuser)


def test_a_password_set_by_the_administrator_is_ledgered(admin_client, superuser, person):
    url = reverse("admin:auth_user_password_change", args=[person.pk])
    response = admin_client.post(url, {"password1": "a-new-pass-for-lin-2026", "password2": "a-new-pass-for-lin-2026",
                                       "usable_password": "true", "set_usable_password": "true"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("a-new-pass-for-lin-2026")
    assert [e["data"] for e in entries(person)] == [{"change": "password_set"}]
    assert "a-new-pass" not in json.dumps(entries(person))
    assert_no_personal_data(person, superuser)


def test_an_account_is_switched_off_not_deleted(admin_client, person):
    assert not admin_client.get(change_url(person)).context["has_delete_permission"]
    response = admin_client.post(reverse("admin:trading_user_delete", args=[person.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=person.pk).exists() and Membership.objects.filter(user=person).exists()
    changelist = reverse("admin:trading_user_changelist")
    response = admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [person.pk],
                                              "post": "yes"})
    assert User.objects.filter(pk=person.pk).exists()


def test_the_password_page_of_no_such_account_is_a_404(admin_client):
    for bad in ("999999", "abc"):
        assert admin_client.get(f"/admin/trading/user/{bad}/password/").status_code in (302, 404)
        assert admin_client.post(f"/admin/trading/user/{bad}/password/", {}).status_code in (302, 404)
