"""A draw that skips the experts tied to the parties taking part (a round's bidders): a
declared conflict with one of them, or employment by one. The reason is in the committed
inputs, and the revealed draw is recomputed by `bidding.draw_verify` as any other."""

import pytest

from bidding.models import Company, DrawPurpose
from bidding.services.companies import conflict_declare, expert_pool_add
from bidding.services.draws import (
    PARTY_CONFLICT,
    draw_announce,
    draw_eligibility,
    draw_perform,
    draw_reveal,
)
from tests.factories import make_transaction, make_user, make_world
from trading.models import Role

from .test_draws_verify import export, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def tied_pool(world):
    party = Company.objects.create(uscc="91350100M000100Y43", name="示范县路桥工程有限公司", contact_name="甲",
                                   contact_phone="0591-1234567")
    other = Company.objects.create(uscc="9144030071526726XG", name="另一家公司", contact_name="乙",
                                   contact_phone="0591-1234568")
    entries = [expert_pool_add(station=world.station, user=make_user(roles=[(Role.EXPERT, world.station, None)]),
                               employer=employer)
               for employer in ("县交通局", "示范县路桥工程有限公司 ", "县住建局", "县水利局")]
    conflict_declare(expert_entry=entries[2], company=party, reason="曾任该公司顾问")
    conflict_declare(expert_entry=entries[3], company=other, reason="亲属")
    return party, entries


def test_experts_tied_to_a_party_are_skipped_with_their_reason(world):
    party, entries = tied_pool(world)
    tx = make_transaction(world, stage="registered")
    candidates, excluded = draw_eligibility(transaction=tx, purpose=DrawPurpose.EXPERTS, parties=[party])
    assert candidates == sorted([entries[0].number, entries[3].number])
    assert excluded == [{"number": entries[1].number, "reason": "employer_is_party"},
                        {"number": entries[2].number, "reason": PARTY_CONFLICT}]
    draw = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=2, user=world.clerk, parties=[party])
    assert draw.excluded == excluded
    assert draw_eligibility(transaction=tx, purpose=DrawPurpose.EXPERTS)[1] == []  # no parties: nobody skipped


def test_a_draw_with_party_recusals_is_recomputed_by_the_verifier(client, world, sequenced, tmp_path):
    party, _entries = tied_pool(world)
    tx = make_transaction(world, stage="registered")
    draw = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=2, user=world.clerk, parties=[party])
    sequenced()
    assert draw_perform(draw=draw)
    sequenced()
    draw_reveal(draw=draw)
    sequenced()
    status, out = verify(export(client, tmp_path / "export"), tx.code)
    assert status == 0 and "RESULT: OK" in out and "employer_is_party" in out
