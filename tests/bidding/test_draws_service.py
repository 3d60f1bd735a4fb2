"""Draws from the station's pools: announce (only a commitment is published), perform at
the first checkpoint after the announcement, reveal when secrecy ends; recusal of
conflicted experts; refusals that name the rule."""

import json

import pytest
from django.db import transaction
from django.utils import translation

from bidding import draws
from bidding.models import Draw, DrawPurpose, ExpertPoolEntry
from bidding.services.companies import (
    company_register,
    conflict_declare,
    expert_pool_add,
    supplier_pool_add,
)
from bidding.services.draws import (
    draw_announce,
    draw_perform,
    draw_reveal,
    draw_selected_entries,
    draws_perform_due,
)
from ledger.models import Checkpoint, Entry
from ledger.recording import actor, ledger_record
from tests.factories import make_transaction, make_user, make_world
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Membership, Role, Unit

pytestmark = pytest.mark.django_db

VALID_USCC = ["91350100M000100Y43", "9144030071526726XG", "91330100716105852F"]


@pytest.fixture
def world():
    return make_world()


def add_experts(world, n, **fields):
    entries = []
    for i in range(n):
        user = make_user(full_name=f"专家{i}", roles=[(Role.EXPERT, world.station, None)])
        entries.append(expert_pool_add(station=world.station, user=user, specialty="计算机", **fields))
    return entries


def entries_of(kind, code):
    return [json.loads(bytes(e.body)) for e in Entry.objects.filter(kind=kind, subject=code).order_by("seq")]


def test_announcing_publishes_only_version_purpose_round_and_commitment(world, sequenced):
    experts = add_experts(world, 5)
    tx = make_transaction(world, stage="registered")
    draw = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    sequenced()
    [entry] = entries_of("draw.announced", tx.code)
    assert entry["data"] == {"v": 2, "purpose": "experts", "round": 1, "commitment": draw.commitment}
    assert entry["actor"] == {"role": "clerk", "name": world.clerk.full_name}
    body = json.dumps(entry, ensure_ascii=False)
    assert "E-0" not in body and "count" not in body
    assert not any(e.user.full_name in body for e in experts)
    # The commitment binds exactly the stored inputs.
    inputs = draws.draw_inputs(code=tx.code, round=1, purpose="experts", count=3, candidates=draw.candidates,
                               excluded=draw.excluded, salt=draw.salt)
    assert inputs["v"] == 2 and draws.compute_commitment(inputs) == draw.commitment
    assert draw.candidates == ["E-0001", "E-0002", "E-0003", "E-0004", "E-0005"] and draw.excluded == []
    assert draw.result == [] and draw.performed_at is None


def test_a_supplier_draw_publishes_no_number_count_or_name(world, sequenced):
    bidders = [make_user(roles=[(Role.BIDDER, world.station, None)]) for _ in VALID_USCC]
    companies = [company_register(user=b, uscc=u, name=f"供应商{i}有限公司", contact_name="联系人",
                                  contact_phone="13800000000") for i, (b, u) in enumerate(zip(bidders, VALID_USCC, strict=True))]
    for company in companies:
        supplier_pool_add(station=world.station, company=company, categories="计算机设备")
    tx = make_transaction(world, stage="registered")
    draw = draw_announce(transaction=tx, purpose=DrawPurpose.SUPPLIERS, count=3, user=world.clerk)
    sequenced()
    [entry] = entries_of("draw.announced", tx.code)
    body = json.dumps(entry, ensure_ascii=False)
    assert set(entry["data"]) == {"v", "purpose", "round", "commitment"}
    assert "S-0" not in body and "供应商" not in body and "count" not in body
    assert not any(u in body for u in VALID_USCC)
    assert draw.candidates == ["S-0001", "S-0002", "S-0003"]


def test_recusal_of_purchasers_declared_conflicts_and_the_unit_s_own_staff(world):
    experts = add_experts(world, 6)
    tx = make_transaction(world, stage="registered")
    # E-0001 also represents the owning unit as a purchaser.
    Membership.objects.create(user=experts[0].user, station=world.station, role=Role.PURCHASER, unit=world.unit)
    # E-0002 declared a conflict with the owning unit; E-0003 one with another unit (no recusal here).
    conflict_declare(expert_entry=experts[1], unit=world.unit, reason="配偶在该单位任职")
    other_unit = Unit.objects.create(station=world.station, name="城关镇中心小学")
    conflict_declare(expert_entry=experts[2], unit=other_unit, reason="曾在该校任职")
    # E-0004 works for the owning unit (same name, typed with a full-width space and trailing blank).
    ExpertPoolEntry.objects.filter(pk=experts[3].pk).update(employer=f"\u3000{world.unit.name} ")
    draw = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    assert draw.candidates == ["E-0003", "E-0005", "E-0006"]
    assert draw.excluded == [
        {"number": "E-0001", "reason": "purchaser_of_owning_unit"},
        {"number": "E-0002", "reason": "declared_conflict"},
        {"number": "E-0004", "reason": "employer_is_owning_unit"},
    ]


def test_inactive_entries_and_experts_without_the_role_are_not_in_the_draw(world):
    experts = add_experts(world, 5)
    ExpertPoolEntry.objects.filter(pk=experts[0].pk).update(active=False)
    Membership.objects.filter(user=experts[1].user, role=Role.EXPERT).delete()
    experts[2].user.is_active = False
    experts[2].user.save()
    tx = make_transaction(world, stage="registered")
    draw = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=2, user=world.clerk)
    assert draw.candidates == ["E-0004", "E-0005"] and draw.excluded == []


def test_too_few_eligible_experts_is_refused_naming_the_counts(world):
    experts = add_experts(world, 4)
    conflict_declare(expert_entry=experts[0], unit=world.unit, reason="亲属")
    tx = make_transaction(world, stage="registered")
    with translation.override("en"), pytest.raises(RuleViolation) as exc:
        draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=4, user=world.clerk)
    assert exc.value.rule == "draw.enough_candidates"
    message = exc.value.message
    assert "needs at least 4 eligible" in message and "eligible: 3" in message and "recused: 1" in message
    assert "财政部令第74号" in message
    assert not Draw.objects.exists() and not Entry.objects.filter(kind="draw.announced").exists()
    # Exactly enough is fine.
    assert draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk).count == 3


def test_only_a_clerk_of_the_station_announces_a_draw_once_per_round_in_a_live_procedure(world):
    add_experts(world, 3)
    tx = make_transaction(world, stage="registered")
    for user in (world.purchaser, world.supervisor, world.other_clerk, world.expert):
        with pytest.raises(NotPermitted):
            draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=user)
    draft = make_transaction(world, stage="draft")
    with pytest.raises(StageConflict):
        draw_announce(transaction=draft, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    for count in (0, -1, "3", 2.0, True):
        with pytest.raises(InvalidInput):
            draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=count, user=world.clerk)
    with pytest.raises(InvalidInput):
        draw_announce(transaction=tx, purpose="judges", count=3, user=world.clerk)
    draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    with pytest.raises(StageConflict):
        draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    assert Draw.objects.filter(transaction=tx).count() == 1


def test_perform_waits_for_a_checkpoint_after_the_announcement(world, sequenced):
    add_experts(world, 5)
    tx = make_transaction(world, stage="registered")
    sequenced()
    draw = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    assert draw_perform(draw=draw) is False  # not sequenced yet: nobody can know the seed
    assert draws_perform_due() == 0
    draw.refresh_from_db()
    assert draw.performed_at is None and not draw.seed and draw.result == []
    assert not Entry.objects.filter(kind="draw.performed").exists()

    sequenced()
    announced_seq = Entry.objects.get(kind="draw.announced", subject=tx.code).seq
    first = Checkpoint.objects.filter(size__gt=announced_seq).order_by("size").first()
    # A later checkpoint exists too: the draw still uses the first one after the announcement.
    with transaction.atomic():
        ledger_record(kind="note", subject="JY-0000-0000", actor=actor("clerk", "王明"), data={})
    sequenced()
    assert Checkpoint.objects.filter(size__gt=announced_seq).count() == 2

    assert draw_perform(draw=draw) is True
    draw.refresh_from_db()
    inputs = draws.draw_inputs(code=tx.code, round=1, purpose="experts", count=3, candidates=draw.candidates,
                               excluded=draw.excluded, salt=draw.salt)
    seed = draws.seed_v2(bytes(first.root_hash), tx.code, draw.commitment, draw.salt)
    assert draws.compute_seed(bytes(first.root_hash), inputs) == seed
    assert draw.seed == seed.hex() and draw.seed_checkpoint_size == first.size
    assert draw.result == draws.select(seed, draw.candidates, 3)
    sequenced()
    [performed] = entries_of("draw.performed", tx.code)
    # The checkpoint that fixes the randomness, not the seed: that needs the salt, still secret.
    assert performed["data"] == {"v": 2, "purpose": "experts", "round": 1, "commitment": draw.commitment,
                                 "checkpoint_size": first.size, "checkpoint_root": bytes(first.root_hash).hex()}
    assert performed["actor"]["role"] == "system"
    assert performed["seq"] >= first.size
    # Performing again changes nothing.
    assert draw_perform(draw=draw) is True and draws_perform_due() == 0
    sequenced()
    assert len(entries_of("draw.performed", tx.code)) == 1


def test_the_tick_performs_every_draw_that_can_be(world, sequenced):
    add_experts(world, 4)
    txs = [make_transaction(world, stage="registered") for _ in range(3)]
    made = [draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk) for tx in txs[:2]]
    sequenced()
    late = draw_announce(transaction=txs[2], purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    assert draws_perform_due() == 2
    assert all(Draw.objects.get(pk=d.pk).performed_at for d in made)
    assert Draw.objects.get(pk=late.pk).performed_at is None
    sequenced()
    assert draws_perform_due() == 1 and draws_perform_due() == 0


def test_reveal_publishes_inputs_and_result_once(world, sequenced):
    experts = add_experts(world, 5)
    conflict_declare(expert_entry=experts[4], unit=world.unit, reason="亲属")
    tx = make_transaction(world, stage="registered")
    draw = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    with pytest.raises(StageConflict):
        draw_reveal(draw=draw)  # nothing to reveal before the draw is made
    sequenced()
    draw_perform(draw=draw)
    draw = draw_reveal(draw=draw)
    draw_reveal(draw=draw)
    sequenced()
    [revealed] = entries_of("draw.revealed", tx.code)
    assert revealed["data"] == {
        "v": 2, "purpose": "experts", "round": 1, "count": 3,
        "candidates": ["E-0001", "E-0002", "E-0003", "E-0004"],
        "excluded": [{"number": "E-0005", "reason": "declared_conflict"}],
        "salt": draw.salt, "seed": draw.seed, "result": draw.result,
    }
    assert draw.revealed_at is not None


def test_selected_entries_are_the_pool_entries_in_the_order_drawn(world, sequenced):
    experts = add_experts(world, 5)
    tx = make_transaction(world, stage="registered")
    draw = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    assert draw_selected_entries(draw) == []
    sequenced()
    draw_perform(draw=draw)
    draw.refresh_from_db()
    by_number = {e.number: e for e in experts}
    assert draw_selected_entries(draw) == [by_number[n] for n in draw.result]


def test_a_restarted_procedure_draws_again_in_its_new_round(world, sequenced):
    add_experts(world, 3)
    tx = make_transaction(world, stage="registered")
    first = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    type(tx).objects.filter(pk=tx.pk).update(round=2)
    second = draw_announce(transaction=tx, purpose=DrawPurpose.EXPERTS, count=3, user=world.clerk)
    assert (first.round, second.round) == (1, 2) and first.commitment != second.commitment
    sequenced()
    assert [e["data"]["round"] for e in entries_of("draw.announced", tx.code)] == [1, 2]
