"""Custodians and the opening key of a round (bidding/services/custodians.py): passphrase
rules, keys that cannot be replaced while an opening needs them nor without the login
password, replacements ledgered, the opening key split among custodians of different roles
with its ledger entry, admissions kept secret (bidding/services/rounds.py)."""

from datetime import timedelta

import pytest
from django.utils import translation

from bidding import crypto
from bidding.models import Admission, CustodianKey, OpeningKey
from bidding.services import custodians as sealed
from bidding.services import rounds
from tests.factories import force_stage, make_transaction, make_user, make_world
from trading import clock
from trading.errors import InvalidInput, NotPermitted, RuleViolation, StageConflict
from trading.models import Role

from .test_sealed_support import (  # noqa: F401  (fast_scrypt: autouse fixture)
    AFTER,
    PASSPHRASES,
    custodian,
    fast_scrypt,
    make_company,
    quoting_round,
    recorded,
    set_custodian_keys,
)

pytestmark = pytest.mark.django_db


# --- passphrases ----------------------------------------------------------------------------------

def test_a_clerk_sets_a_custodian_key_that_only_its_passphrase_unlocks():
    world = make_world()
    key = sealed.custodian_key_set(user=world.clerk, passphrase=PASSPHRASES[Role.CLERK])
    protected = sealed.protected_key(CustodianKey.objects.get(pk=key.pk))
    unlocked = crypto.unlock_custodian_key(protected, PASSPHRASES[Role.CLERK], label=f"user:{world.clerk.pk}")
    assert crypto.public_key_bytes(unlocked) == bytes(key.public_key)
    with pytest.raises(crypto.CustodianSecretError):
        crypto.unlock_custodian_key(protected, PASSPHRASES[Role.SUPERVISOR], label=f"user:{world.clerk.pk}")


def test_a_new_custodian_key_takes_its_scrypt_cost_from_the_settings(settings):
    world = make_world()
    settings.CUSTODIAN_SCRYPT_LOG2_N = 12
    key = sealed.custodian_key_set(user=world.clerk, passphrase=PASSPHRASES[Role.CLERK])
    assert crypto.scrypt_parameters(sealed.protected_key(key)) == (12, 8, 1)


@pytest.mark.parametrize("passphrase, says", [
    ("short1", "at least 10 characters"),
    ("aaaaabbbbbaaaaa", "at least 6 different characters"),
    ("12345678901234", "numeric"),
    ("password123", "common"),
])
def test_a_weak_passphrase_is_refused_naming_the_rule(passphrase, says):
    world = make_world()
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        sealed.custodian_key_set(user=world.supervisor, passphrase=passphrase)
    assert refused.value.rule == "sealed.custodian_passphrase"
    assert says in refused.value.message.lower()
    assert not CustodianKey.objects.filter(user=world.supervisor).exists()


def test_a_passphrase_like_the_users_own_name_is_refused():
    world = make_world()
    with translation.override("en"), pytest.raises(RuleViolation, match="similar"):
        sealed.custodian_key_set(user=world.clerk, passphrase=world.clerk.username + "xyz")


def test_the_login_password_is_not_a_custodian_passphrase():
    world = make_world()
    world.purchaser.set_password("orchard-lantern-2046")
    world.purchaser.save()
    with translation.override("en"), pytest.raises(RuleViolation, match="not your login password"):
        sealed.custodian_key_set(user=world.purchaser, passphrase="orchard-lantern-2046")


@pytest.mark.parametrize("role", ["bidder", "expert"])
def test_only_clerks_supervisors_and_purchasers_hold_custodian_keys(role):
    world = make_world()
    with pytest.raises(NotPermitted):
        sealed.custodian_key_set(user=getattr(world, role), passphrase=PASSPHRASES[Role.CLERK])


LOGIN_PASSWORD = "pw-for-tests-1"  # tests/factories.py


def test_a_key_is_not_replaced_while_an_opening_still_needs_its_share():
    r = quoting_round()
    before = bytes(CustodianKey.objects.get(user=r.world.supervisor).public_key)
    with pytest.raises(RuleViolation) as refused:
        sealed.custodian_key_set(user=r.world.supervisor, passphrase="a brand new passphrase 7",
                                 password=LOGIN_PASSWORD)
    assert refused.value.rule == "sealed.custodian_key_in_use" and r.tx.code in refused.value.message
    assert bytes(CustodianKey.objects.get(user=r.world.supervisor).public_key) == before


def test_a_key_can_be_replaced_once_the_round_is_opened():
    r = quoting_round()
    r.submit(0, "100.00")
    r.close()
    r.open()
    key = sealed.custodian_key_set(user=r.world.supervisor, passphrase="a brand new passphrase 7",
                                   password=LOGIN_PASSWORD)
    crypto.unlock_custodian_key(sealed.protected_key(key), "a brand new passphrase 7",
                                label=f"user:{r.world.supervisor.pk}")


def test_a_key_can_be_replaced_when_the_procedure_ended_without_opening():
    r = quoting_round()
    force_stage(r.tx, "terminated")
    sealed.custodian_key_set(user=r.world.purchaser, passphrase="a brand new passphrase 7", password=LOGIN_PASSWORD)


def test_replacing_a_key_needs_the_login_password_and_is_ledgered():
    world = make_world()
    sealed.custodian_key_set(user=world.clerk, passphrase=PASSPHRASES[Role.CLERK])
    for password in (None, "", "not-the-password"):
        with pytest.raises(NotPermitted):
            sealed.custodian_key_set(user=world.clerk, passphrase="a brand new passphrase 7", password=password)
    key = sealed.custodian_key_set(user=world.clerk, passphrase="a brand new passphrase 7", password=LOGIN_PASSWORD)
    entries = recorded(kind="custodian_key.set", subject=f"user:{world.clerk.pk}")
    assert [e["data"]["replaced"] for e in entries] == [False, True]
    assert entries[-1]["data"]["fingerprint"] == crypto.commitment(bytes(key.public_key))[:16]
    assert entries[-1]["actor"] == {"role": "clerk", "name": world.clerk.ledger_name()}
    assert "passphrase" not in str(entries) and PASSPHRASES[Role.CLERK] not in str(entries)


def test_the_passphrase_is_not_stored_anywhere_in_the_key_row():
    world = make_world()
    key = sealed.custodian_key_set(user=world.clerk, passphrase=PASSPHRASES[Role.CLERK])
    stored = b"".join(bytes(getattr(key, f)) for f in ("public_key", "salt", "nonce", "ciphertext"))
    assert PASSPHRASES[Role.CLERK].encode() not in stored


# --- the opening key ------------------------------------------------------------------------------

def custodians_of(world):
    return [(world.clerk, Role.CLERK), (world.supervisor, Role.SUPERVISOR), (world.purchaser, Role.PURCHASER)]


def registered_inquiry(world):
    return force_stage(make_transaction(world, stage="registered"), "group_formed")


def new_round(tx):
    now = clock.now()
    return rounds.round_open(transaction=tx, opens_at=now, deadline=now + timedelta(days=3))


def test_the_opening_key_is_split_two_of_three_and_ledgered_without_secrets():
    world = make_world()
    set_custodian_keys(world)
    tx = registered_inquiry(world)
    key = sealed.opening_key_create(bid_round=new_round(tx), custodians=custodians_of(world), user=world.clerk)
    assert (key.k, key.n, key.bid_round.procedure_round) == (2, 3, 1)  # k from the rule set in force
    shares = list(key.shares.order_by("index"))
    [entry] = recorded(kind="opening_key.created", subject=tx.code)
    assert entry["actor"] == {"role": "clerk", "name": world.clerk.ledger_name()}
    assert entry["data"] == {
        "round": 1, "public_key": bytes(key.public_key).hex(), "suite": crypto.SUITE_NAME, "k": 2, "n": 3,
        "custodians": [{"role": "clerk", "name": "王明"}, {"role": "supervisor", "name": "赵刚"},
                       {"role": "purchaser", "name": "张伟"}],
        "share_sha256": [s.share_sha256 for s in shares],
    }
    # Each sealed share opens with its custodian's key and matches the published digest.
    for share, role in zip(shares, (Role.CLERK, Role.SUPERVISOR, Role.PURCHASER), strict=True):
        user = custodian(world, role)
        private = crypto.unlock_custodian_key(sealed.protected_key(user.custodian_key), PASSPHRASES[role],
                                              label=f"user:{user.pk}")
        value = crypto.open_share(bytes(share.sealed_share), private, tx.code, 1, "offer", share.index)
        assert crypto.share_digest(value) == share.share_sha256


def test_k_comes_from_the_call_when_given():
    world = make_world()
    set_custodian_keys(world)
    key = sealed.opening_key_create(bid_round=new_round(registered_inquiry(world)), custodians=custodians_of(world),
                                    k=3)
    assert (key.k, key.n) == (3, 3)


def test_a_custodian_without_a_key_is_named_and_nothing_is_made():
    world = make_world()
    set_custodian_keys(world, roles=(Role.CLERK,))
    tx = registered_inquiry(world)
    bid_round = new_round(tx)
    with pytest.raises(RuleViolation) as refused:
        sealed.opening_key_create(bid_round=bid_round, custodians=custodians_of(world), user=world.clerk)
    assert refused.value.rule == "sealed.custodian_key_missing"
    assert "赵刚" in refused.value.message and "张伟" in refused.value.message and "王明" not in refused.value.message
    assert not OpeningKey.objects.filter(bid_round=bid_round).exists()
    assert recorded(kind="opening_key.created") == []


@pytest.mark.parametrize("change", ["same_role", "same_person", "two_only", "wrong_station", "other_unit"])
def test_custodians_are_three_different_people_of_different_roles_of_this_transaction(change):
    world = make_world()
    set_custodian_keys(world)
    tx = registered_inquiry(world)
    custodians = custodians_of(world)
    if change == "same_role":
        custodians[2] = (world.supervisor, Role.SUPERVISOR)
    elif change == "same_person":
        custodians[1] = (world.clerk, Role.SUPERVISOR)
    elif change == "two_only":
        custodians = custodians[:2]
    elif change == "wrong_station":
        sealed.custodian_key_set(user=world.other_clerk, passphrase=PASSPHRASES[Role.CLERK])
        custodians[0] = (world.other_clerk, Role.CLERK)
    else:
        sealed.custodian_key_set(user=world.other_purchaser, passphrase=PASSPHRASES[Role.PURCHASER])
        custodians[2] = (world.other_purchaser, Role.PURCHASER)
    bid_round = new_round(tx)
    with pytest.raises(RuleViolation):
        sealed.opening_key_create(bid_round=bid_round, custodians=custodians, user=world.clerk)
    assert not OpeningKey.objects.filter(bid_round=bid_round).exists()


@pytest.mark.parametrize("k", [1, 4])
def test_k_is_between_two_and_n(k):
    world = make_world()
    set_custodian_keys(world)
    with translation.override("en"), pytest.raises(RuleViolation, match="between 2 and 3"):
        sealed.opening_key_create(bid_round=new_round(registered_inquiry(world)), custodians=custodians_of(world),
                                  k=k)


def test_a_round_has_one_opening_key():
    r = quoting_round()
    with pytest.raises(StageConflict):
        sealed.opening_key_create(bid_round=r.bid_round, custodians=custodians_of(r.world))


def test_the_opening_private_key_is_not_stored():
    """Only the public half and sealed shares are kept: no stored 32 bytes give the key."""
    r = quoting_round()
    public_key = bytes(r.key.public_key)
    stored = [bytes(s.sealed_share) for s in r.key.shares.all()] + [public_key]
    for blob in stored:
        for i in range(len(blob) - 31):
            candidate = crypto.X25519PrivateKey.from_private_bytes(blob[i:i + 32])
            assert crypto.public_key_bytes(candidate) != public_key


# --- admissions (invitations) ------------------------------------------------------------------------

def test_invitations_are_recorded_without_any_ledger_entry():
    world = make_world()
    tx = registered_inquiry(world)
    bid_round = new_round(tx)
    companies = [make_company(world)[0] for _ in range(4)]
    before = recorded()
    invitations = rounds.round_admit(bid_round=bid_round, companies=companies, method="draw")
    assert sorted(i.company_id for i in invitations) == sorted(c.pk for c in companies)
    assert recorded() == before
    # Inviting again is harmless: no duplicate.
    rounds.round_admit(bid_round=bid_round, companies=companies[:2], method="draw")
    assert Admission.objects.filter(bid_round=bid_round).count() == 4


@pytest.mark.parametrize("problem", ["method", "empty", "twice"])
def test_invitations_refuse_bad_input(problem):
    world = make_world()
    tx = registered_inquiry(world)
    company = make_company(world)[0]
    args = {"method": {"method": "phone"}.get(problem, "draw"),
            "companies": {"empty": [], "twice": [company, company]}.get(problem, [company])}
    with pytest.raises(InvalidInput):
        rounds.round_admit(bid_round=new_round(tx), **args)


def test_nobody_is_invited_once_quoting_is_over():
    r = quoting_round()
    r.close(at=AFTER)
    with pytest.raises(StageConflict):
        rounds.round_admit(bid_round=r.bid_round, companies=[make_company(r.world)[0]], method="draw")


def test_custodian_roles_are_read_per_user():
    world = make_world()
    both = make_user(roles=[(Role.CLERK, world.station, None), (Role.BIDDER, world.station, None)])
    from bidding.selectors_sealed import custodian_roles_of

    assert custodian_roles_of(both) == {"clerk"} and custodian_roles_of(world.bidder) == set()
