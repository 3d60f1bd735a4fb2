"""API tokens expire and logging out revokes them (docs/api.md, "Authentication").

The attack (issue 8, item 10): a token copied once (a shared computer at the station, a
log, a script left behind) used to work for ever, even after its owner logged out.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def obtain(user):
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": "pw-for-tests-1"},
                                format="json")
    assert response.status_code == 200, response.content
    return response.json()


def me(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/me/")


def age(key, hours):
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=hours))


def test_a_token_says_when_it_expires(settings):
    settings.API_TOKEN_TTL_HOURS = 12
    before = timezone.now()
    body = obtain(make_user())
    from django.utils.dateparse import parse_datetime

    expires = parse_datetime(body["expires"])
    assert before + timedelta(hours=12) <= expires <= timezone.now() + timedelta(hours=12)


def test_a_token_works_until_its_time_to_live_has_passed(settings):
    settings.API_TOKEN_TTL_HOURS = 12
    key = obtain(make_user())["token"]
    age(key, 11)
    assert me(key).status_code == 200


def test_an_expired_token_is_refused_with_401_and_a_message(settings):
    settings.API_TOKEN_TTL_HOURS = 12
    key = obtain(make_user())["token"]
    age(key, 13)
    response = me(key)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "token_expired" and "12" in error["message"]
    assert response["WWW-Authenticate"] == "Token"
    assert not Token.objects.filter(key=key).exists()


def test_the_time_to_live_comes_from_the_settings(settings):
    settings.API_TOKEN_TTL_HOURS = 1
    key = obtain(make_user())["token"]
    age(key, 2)
    assert me(key).status_code == 401


def test_asking_again_after_expiry_gives_a_new_key(settings):
    settings.API_TOKEN_TTL_HOURS = 12
    user = make_user()
    old = obtain(user)["token"]
    age(old, 13)
    new = obtain(user)["token"]  # the expired token was never used again before asking
    assert new != old
    assert me(new).status_code == 200 and me(old).status_code == 401


def test_api_logout_revokes_the_token():
    user = make_user()
    key = obtain(user)["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert me(key).status_code == 401
    assert not Token.objects.filter(user=user).exists()
    assert obtain(user)["token"] != key


def test_api_logout_needs_a_login():
    response = APIClient().post("/api/v1/auth/logout/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_web_logout_revokes_the_users_token():
    user = make_user()
    key = obtain(user)["token"]
    browser = Client()
    assert browser.post(reverse("login"), {"username": user.username, "password": "pw-for-tests-1"}).status_code == 302
    assert browser.post(reverse("logout")).status_code == 302
    assert me(key).status_code == 401


def test_the_schema_describes_logout():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    logout = schema["paths"]["/api/v1/auth/logout/"]["post"]
    assert set(logout["responses"]) >= {"204", "401"}
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert set(token["responses"]) >= {"200", "400", "429"}
