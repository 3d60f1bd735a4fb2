"""Issue 9 item 7: the draw result showed expert codes while the group showed names. Once a
draw's result is the viewer's to see, each drawn pool number comes with the member's name
where that name is no longer secret to the viewer; before, neither."""

import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bidding.models import Draw, DrawPurpose, ExpertPoolEntry
from tests.trading.inquiry_world import MONDAY, form_group, make_inquiry_world, settle, walk
from trading import clock
from trading.procedures.inquiry import services

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def iw():
    with clock.frozen_at(MONDAY):
        yield make_inquiry_world()


def page(user, url):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def drawn_pairs(iw):
    """[(number, name)] of the experts' draw, in the order drawn."""
    draw = Draw.objects.get(transaction=iw.tx, purpose=DrawPurpose.EXPERTS)
    names = {e.number: e.user.ledger_name() for e in ExpertPoolEntry.objects.filter(station=iw.world.station)}
    return [(number, names[number]) for number in draw.result]


def shows_numbers(html, pairs):
    return any(re.search(rf"\b{number}\b", html) for number, _name in pairs)


def test_the_clerk_sees_each_drawn_number_with_its_name_before_and_after_forming_the_group(iw):
    services.inquiry_announce_expert_draw(code=iw.tx.code, user=iw.world.clerk, count=3)
    settle()
    pairs = drawn_pairs(iw)
    html = page(iw.world.clerk, f"/work/transactions/{iw.tx.code}/")
    for number, name in pairs:
        assert f"{number} {name}" in html  # the group-forming step and the draw list
    services.inquiry_form_group(code=iw.tx.code, user=iw.world.clerk)
    html = page(iw.world.supervisor, f"/work/transactions/{iw.tx.code}/")
    for number, name in pairs:
        assert f"{number} {name}" in html


def test_before_the_result_a_member_sees_names_without_codes_and_the_public_neither(iw):
    form_group(iw)
    pairs = drawn_pairs(iw)
    member = ExpertPoolEntry.objects.get(station=iw.world.station, number=pairs[0][0]).user
    html = page(member, f"/work/transactions/{iw.tx.code}/")
    assert all(name in html for _number, name in pairs)  # the group
    assert not shows_numbers(html, pairs)  # the draw is not revealed: its numbers stay secret
    public = page(None, f"/audit/transactions/{iw.tx.code}/")
    assert not shows_numbers(public, pairs) and not any(name in public for _number, name in pairs)


def test_after_the_result_everyone_sees_which_number_is_which_member(iw):
    walk(iw, "published")
    pairs = drawn_pairs(iw)
    public = page(None, f"/audit/transactions/{iw.tx.code}/")
    for number, name in pairs:
        assert f"{number} {name}" in public
    supplier = iw.suppliers[0][0]
    html = page(supplier, f"/work/transactions/{iw.tx.code}/")
    for number, name in pairs:
        assert f"{number} {name}" in html
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=supplier)[0].key}")
    draws = api.get(f"/api/v1/transactions/{iw.tx.code}/inquiry/").json()["draws"]
    [experts] = [d for d in draws if d["purpose"] == "experts"]
    assert [(d["number"], d["name"]) for d in experts["drawn"]] == pairs
    assert experts["result"] == [number for number, _name in pairs]
