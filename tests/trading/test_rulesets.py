"""Rule sets: the built-in defaults, publishing versions, adopting one per station, and the
refusals that name the rule, its source and the bound (docs/rules.md)."""

import hashlib
import json
from fractions import Fraction

import pytest

from ledger.models import PendingEntry
from tests.factories import make_user, make_world
from trading import rulesets
from trading.errors import InvalidInput, NotPermitted, RuleViolation
from trading.models import RuleSet, RuleSetAdoption

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PROCEDURES = ["inquiry", "tender", "asset_sale"]


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def admin_user():
    user = make_user(full_name="孙丽")
    user.is_staff = True
    user.save()
    return user


default_params, default_sources = rulesets.default_params, rulesets.default_sources


def publish_inquiry(code="xian-2027", **changes):
    return rulesets.publish(procedure="inquiry", code=code, title="县级询价规则",
                            params={**default_params("inquiry"), **changes},
                            sources=default_sources("inquiry"))


def adoption_entries():
    return [json.loads(p.payload) for p in PendingEntry.objects.order_by("id")
            if json.loads(p.payload)["kind"] == "ruleset.adopted"]


# --- The defaults -----------------------------------------------------------------------

@pytest.mark.parametrize("procedure", PROCEDURES)
def test_built_in_default_is_published_by_the_migration_as_version_1_with_the_defaults(procedure):
    rule_set = RuleSet.objects.get(code=f"{procedure}-default", version=1)
    assert rule_set.procedure == procedure
    # The migration's frozen copy and DEFAULTS say the same: a changed default would be a new version.
    assert rule_set.params == default_params(procedure)
    assert rule_set.sources == default_sources(procedure)
    assert rule_set.title == rulesets.DEFAULT_TITLES[procedure]
    assert rule_set.digest == rulesets.rule_set_digest(rule_set)


def test_defaults_emptied_by_a_flush_are_restored_exactly_as_the_migration_made_them():
    made_by_migration = dict(RuleSet.objects.filter(version=1, code__endswith="-default")
                             .values_list("code", "digest"))
    RuleSet.objects.all().delete()
    created = rulesets.default_rule_sets_create()
    assert {r.code: r.digest for r in created} == made_by_migration
    assert rulesets.default_rule_sets_create() == []


def test_inquiry_defaults_are_the_numbers_of_the_law():
    expected = {
        "group_min_size": 3, "expert_share": "2/3", "min_invitees": 3, "quote_period_working_days": 3,
        "min_quotes": 3, "min_responsive": 3, "confirm_working_days": 5, "result_publish_working_days": 2,
        "challenge_working_days": 7, "contract_days": 30, "contract_publish_working_days": 2,
        "custodians_k": 2, "custodians_n": 3,
    }
    assert default_params("inquiry") == expected
    assert "财政部令第74号第四十五条" in rulesets.DEFAULTS["inquiry"]["quote_period_working_days"][1]
    assert "政府采购法第五十二条" in rulesets.DEFAULTS["inquiry"]["challenge_working_days"][1]


def test_tender_and_asset_sale_defaults_follow_domain_sections_2_and_3():
    tender, asset = default_params("tender"), default_params("asset_sale")
    assert (tender["bid_period_days"], tender["documents_available_days"], tender["min_bids"]) == (20, 5, 3)
    assert (tender["clarification_days_before_deadline"], tender["objection_days_before_deadline"]) == (15, 10)
    assert Fraction(tender["security_max_share"]) == Fraction(2, 100)
    assert (tender["committee_min_size"], tender["max_candidates"], tender["report_days"]) == (5, 3, 15)
    assert (asset["disclosure_working_days"], asset["payment_working_days"]) == (20, 5)
    assert Fraction(asset["relist_approval_below_share"]) == Fraction(9, 10)
    assert asset["appraisal_valid_months"] == 12
    # No invented article numbers for asset sales: they cite DOMAIN.md.
    assert all(source.startswith("DOMAIN.md §3") for name, (_v, source) in rulesets.DEFAULTS["asset_sale"].items()
               if not name.startswith("custodians"))


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_a_station_that_adopted_nothing_has_the_built_in_default_in_force(world, procedure):
    rule_set = rulesets.in_force(world.station, procedure)
    assert (rule_set.code, rule_set.version) == (f"{procedure}-default", 1)


def test_the_defaults_pass_their_own_validation():
    for procedure in PROCEDURES:
        rulesets.check_params(procedure=procedure, params=default_params(procedure),
                              sources=default_sources(procedure))


# --- The digest ---------------------------------------------------------------------------

def test_digest_is_the_sha256_of_the_canonical_json_of_what_the_rule_set_says():
    rule_set = publish_inquiry()
    body = {"procedure": "inquiry", "code": rule_set.code, "version": 1,
            "params": rule_set.params, "sources": rule_set.sources}
    # RFC 8785 on these values: sorted keys, no spaces, UTF-8 (computed here independently).
    canonical = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    assert rule_set.digest == hashlib.sha256(canonical).hexdigest()


def test_digest_does_not_depend_on_the_order_parameters_were_given_in():
    params, sources = default_params("inquiry"), default_sources("inquiry")
    forward = rulesets.digest_of(procedure="inquiry", code="a", version=1, params=params, sources=sources)
    backward = rulesets.digest_of(procedure="inquiry", code="a", version=1,
                                  params=dict(reversed(list(params.items()))),
                                  sources=dict(reversed(list(sources.items()))))
    assert forward == backward


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_digest_changes_with_any_parameter_any_source_the_code_and_the_version(procedure):
    params, sources = default_params(procedure), default_sources(procedure)

    def digest(**overrides):
        fields = {"procedure": procedure, "code": "c", "version": 1, "params": params, "sources": sources}
        return rulesets.digest_of(**{**fields, **overrides})

    base = digest()
    seen = {base}
    for name, value in params.items():
        changed = value + 1 if isinstance(value, int) else f"{Fraction(value) * Fraction(9, 10)}"
        seen.add(digest(params={**params, name: changed}))
        seen.add(digest(sources={**sources, name: sources[name] + " (修订)"}))
    seen.add(digest(code="d"))
    seen.add(digest(version=2))
    assert len(seen) == 1 + 2 * len(params) + 2


# --- Versions ---------------------------------------------------------------------------

def test_publishing_the_same_code_again_makes_the_next_version_and_leaves_the_first_as_it_was():
    first = publish_inquiry(quote_period_working_days=4)
    second = publish_inquiry(quote_period_working_days=5)
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.params["quote_period_working_days"] == 4
    assert first.digest == rulesets.rule_set_digest(first) != second.digest


def test_a_new_version_of_a_built_in_default_follows_version_1():
    rule_set = rulesets.publish(procedure="tender", code="tender-default", title="修订",
                                params=default_params("tender"), sources=default_sources("tender"))
    assert rule_set.version == 2


def test_a_code_belongs_to_one_procedure():
    publish_inquiry(code="shared-code")
    with pytest.raises(InvalidInput, match="belongs to the procedure inquiry"):
        rulesets.publish(procedure="tender", code="shared-code", title="招标",
                         params=default_params("tender"), sources=default_sources("tender"))


def test_publishing_normalises_text_to_nfc():
    decomposed = "政府采购法第四十条 e\u0301"
    rule_set = rulesets.publish(procedure="inquiry", code="nfc", title="Re\u0301gles",
                                params=default_params("inquiry"),
                                sources={**default_sources("inquiry"), "group_min_size": decomposed})
    assert rule_set.title == "R\u00e9gles"
    assert rule_set.sources["group_min_size"].endswith("é")


# --- Refusals when publishing ----------------------------------------------------------------

def test_an_unknown_parameter_is_refused_naming_it_and_the_known_ones():
    with pytest.raises(InvalidInput, match="unknown parameters for the inquiry procedure: quote_days") as exc:
        publish_inquiry(quote_days=3)
    assert "quote_period_working_days" in exc.value.message


def test_a_missing_parameter_is_refused_naming_it():
    params = default_params("inquiry")
    del params["min_quotes"]
    with pytest.raises(InvalidInput, match="missing from the rule set: min_quotes"):
        rulesets.publish(procedure="inquiry", code="x", title="x", params=params,
                         sources=default_sources("inquiry"))


def test_a_parameter_without_a_source_is_refused():
    sources = default_sources("inquiry")
    del sources["expert_share"]
    with pytest.raises(InvalidInput, match="sources missing from the rule set: expert_share"):
        rulesets.publish(procedure="inquiry", code="x", title="x", params=default_params("inquiry"),
                         sources=sources)


@pytest.mark.parametrize("value", ["3", 3.0, True, None])
def test_a_count_must_be_a_whole_number(value):
    with pytest.raises(InvalidInput, match=r"min_quotes\) must be a whole number"):
        publish_inquiry(min_quotes=value)


@pytest.mark.parametrize("value", ["0.66", "2:3", "2/0", "-2/3", 2, "2/3 "])
def test_a_share_must_be_a_fraction_written_a_over_b(value):
    with pytest.raises(InvalidInput, match=r"expert_share\) must be a fraction written a/b"):
        publish_inquiry(expert_share=value)


def test_a_group_smaller_than_the_law_allows_is_refused_with_the_bound_and_the_source():
    with pytest.raises(RuleViolation) as exc:
        publish_inquiry(group_min_size=1)
    assert exc.value.rule == "ruleset.group_min_size"
    assert exc.value.message == (
        "minimum size of the inquiry group (odd) (group_min_size) must be at least 3 "
        "(政府采购法第四十条 / Government Procurement Law art. 40); given: 1")


def test_an_even_inquiry_group_is_refused():
    with pytest.raises(RuleViolation, match=r"group_min_size\) must be an odd number .*given: 4"):
        publish_inquiry(group_min_size=4)
    assert publish_inquiry(group_min_size=5).params["group_min_size"] == 5


def test_a_quote_period_shorter_than_3_working_days_is_refused_and_a_longer_one_allowed():
    with pytest.raises(RuleViolation, match="must be at least 3 .*财政部令第74号第四十五条.*given: 2"):
        publish_inquiry(quote_period_working_days=2)
    assert publish_inquiry(quote_period_working_days=5).params["quote_period_working_days"] == 5


def test_an_expert_share_below_two_thirds_is_refused():
    with pytest.raises(RuleViolation, match=r"expert_share\) must be at least 2/3 .*given: 3/5"):
        publish_inquiry(expert_share="3/5")
    assert rulesets.fraction(publish_inquiry(expert_share="4/5"), "expert_share") == Fraction(4, 5)


def test_a_period_longer_than_the_law_allows_is_refused():
    with pytest.raises(RuleViolation, match=r"confirm_working_days\) must be at most 5 .*第四十九条.*given: 6"):
        publish_inquiry(confirm_working_days=6)
    with pytest.raises(RuleViolation, match=r"contract_days\) must be at most 30"):
        publish_inquiry(contract_days=31)


def test_a_challenge_period_cannot_be_shortened():
    with pytest.raises(RuleViolation, match="must be at least 7 .*政府采购法第五十二条"):
        publish_inquiry(challenge_working_days=6)


def test_more_custodians_needed_than_hold_a_share_is_refused():
    with pytest.raises(RuleViolation, match=r"\(k = 3\) cannot exceed .*\(n = 2\)"):
        publish_inquiry(custodians_k=3, custodians_n=2)


def test_a_tender_bid_security_above_two_percent_is_refused():
    params = {**default_params("tender"), "security_max_share": "3/100"}
    with pytest.raises(RuleViolation, match=r"must be at most 1/50 .*第二十六条.*given: 3/100"):
        rulesets.publish(procedure="tender", code="t", title="t", params=params, sources=default_sources("tender"))


def test_a_source_must_be_text():
    with pytest.raises(InvalidInput, match="source of min_quotes must be text"):
        rulesets.publish(procedure="inquiry", code="x", title="x", params=default_params("inquiry"),
                         sources={**default_sources("inquiry"), "min_quotes": {"art": 51}})


def test_an_unknown_procedure_and_a_bad_code_are_refused():
    with pytest.raises(InvalidInput, match="unknown procedure “auction”"):
        rulesets.publish(procedure="auction", code="a", title="a", params={}, sources={})
    with pytest.raises(InvalidInput, match="lowercase letters"):
        publish_inquiry(code="Bad Code")


# --- Adoption ---------------------------------------------------------------------------

def test_adoption_puts_the_rule_set_in_force_at_that_station_only(world, admin_user):
    county = publish_inquiry(quote_period_working_days=5)
    adoption = rulesets.adopt(station=world.station, rule_set=county, user=admin_user, note="县财政局通知")
    assert isinstance(adoption, RuleSetAdoption)
    assert rulesets.in_force(world.station, "inquiry") == county
    assert rulesets.param(rulesets.in_force(world.station, "inquiry"), "quote_period_working_days") == 5
    assert rulesets.in_force(world.other_station, "inquiry").code == "inquiry-default"
    assert rulesets.in_force(world.station, "tender").code == "tender-default"


def test_the_latest_adoption_is_in_force_and_a_station_can_go_back(world, admin_user):
    v1, v2 = publish_inquiry(), publish_inquiry(min_invitees=4)
    rulesets.adopt(station=world.station, rule_set=v1, user=admin_user)
    rulesets.adopt(station=world.station, rule_set=v2, user=admin_user)
    assert rulesets.in_force(world.station, "inquiry") == v2
    default = RuleSet.objects.get(code="inquiry-default", version=1)
    rulesets.adopt(station=world.station, rule_set=default, user=admin_user)
    assert rulesets.in_force(world.station, "inquiry") == default


def test_adoption_is_recorded_in_the_ledger_with_the_rule_sets_reference(world, admin_user):
    rule_set = publish_inquiry()
    rulesets.adopt(station=world.station, rule_set=rule_set, user=admin_user)
    [entry] = adoption_entries()
    assert entry["subject"] == world.station.code
    assert entry["actor"] == {"role": "administrator", "name": "孙丽"}
    assert entry["data"] == {"procedure": "inquiry", "code": "xian-2027", "version": 1,
                             "digest": rule_set.digest}
    assert rulesets.ledger_reference(rule_set) == {"code": "xian-2027", "version": 1, "digest": rule_set.digest}


def test_only_the_administration_adopts_a_rule_set(world):
    with pytest.raises(NotPermitted, match="platform administration"):
        rulesets.adopt(station=world.station, rule_set=publish_inquiry(), user=world.clerk)
    assert not RuleSetAdoption.objects.exists() and not adoption_entries()


def test_adopting_the_rule_set_already_in_force_is_refused(world, admin_user):
    default = rulesets.in_force(world.station, "inquiry")
    with pytest.raises(InvalidInput, match="inquiry-default v1 is already in force"):
        rulesets.adopt(station=world.station, rule_set=default, user=admin_user)


def test_a_rule_set_altered_after_publication_cannot_be_adopted(world, admin_user):
    rule_set = publish_inquiry()
    RuleSet.objects.filter(pk=rule_set.pk).update(params={**rule_set.params, "min_quotes": 4})
    rule_set.refresh_from_db()
    with pytest.raises(RuleViolation, match="does not match its published digest") as exc:
        rulesets.adopt(station=world.station, rule_set=rule_set, user=admin_user)
    assert exc.value.rule == "ruleset.digest"


def test_param_source_and_fraction_read_the_rule_set():
    rule_set = RuleSet.objects.get(code="inquiry-default", version=1)
    assert rulesets.param(rule_set, "min_invitees") == 3
    assert rulesets.source(rule_set, "contract_days") == "政府采购法第四十六条 / Government Procurement Law art. 46"
    assert rulesets.fraction(rule_set, "expert_share") == Fraction(2, 3)
    with pytest.raises(LookupError, match="no parameter 'bid_period_days'"):
        rulesets.param(rule_set, "bid_period_days")


def test_without_the_built_in_default_nothing_is_in_force_and_the_refusal_says_why(world):
    RuleSet.objects.filter(code="asset_sale-default").delete()
    with pytest.raises(RuleViolation, match="built-in default asset_sale-default v1 is missing"):
        rulesets.in_force(world.station, "asset_sale")


# --- Admin ------------------------------------------------------------------------------

@pytest.fixture
def admin_site_client(client):
    user = make_user(full_name="周敏")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def _publish_form(rule_set, **params):
    return {"procedure": rule_set.procedure, "code": rule_set.code, "title": rule_set.title,
            "params": json.dumps({**rule_set.params, **params}, ensure_ascii=False),
            "sources": json.dumps(rule_set.sources, ensure_ascii=False)}


def test_admin_action_opens_the_publish_form_filled_from_the_chosen_rule_set(admin_site_client):
    default = RuleSet.objects.get(code="inquiry-default", version=1)
    response = admin_site_client.post("/admin/trading/ruleset/", {
        "action": "publish_new_version", "_selected_action": [default.pk]})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/trading/ruleset/add/?from={default.pk}"
    form = admin_site_client.get(response["Location"]).context["adminform"].form
    assert form.initial["code"] == "inquiry-default"
    assert form.initial["params"] == default.params


def test_admin_publishes_a_new_version_through_the_service(admin_site_client):
    default = RuleSet.objects.get(code="inquiry-default", version=1)
    response = admin_site_client.post("/admin/trading/ruleset/add/", _publish_form(default, min_invitees=5))
    assert response.status_code == 302
    new = RuleSet.objects.get(code="inquiry-default", version=2)
    assert new.params["min_invitees"] == 5 and new.digest == rulesets.rule_set_digest(new)
    default.refresh_from_db()
    assert default.params["min_invitees"] == 3


def test_admin_refuses_a_rule_set_that_breaks_the_law_with_the_reason_and_no_error_page(admin_site_client):
    default = RuleSet.objects.get(code="inquiry-default", version=1)
    response = admin_site_client.post("/admin/trading/ruleset/add/", _publish_form(default, min_quotes=2))
    assert response.status_code == 200
    assert "must be at least 3" in response.content.decode()
    assert not RuleSet.objects.filter(code="inquiry-default", version=2).exists()


def test_admin_refuses_a_bad_code_and_a_code_of_another_procedure_on_the_form(admin_site_client):
    default = RuleSet.objects.get(code="inquiry-default", version=1)
    bad = admin_site_client.post("/admin/trading/ruleset/add/", {**_publish_form(default), "code": "Bad-Code"})
    assert bad.status_code == 200 and "lowercase letters" in bad.content.decode()
    other = admin_site_client.post("/admin/trading/ruleset/add/", {**_publish_form(default), "code": "tender-default"})
    assert other.status_code == 200 and "belongs to the procedure tender" in other.content.decode()
    assert RuleSet.objects.filter(procedure="inquiry").count() == 1


def test_a_published_rule_set_cannot_be_changed_in_the_admin(admin_site_client):
    default = RuleSet.objects.get(code="inquiry-default", version=1)
    admin_site_client.post(f"/admin/trading/ruleset/{default.pk}/change/", _publish_form(default, min_quotes=9))
    default.refresh_from_db()
    assert default.params["min_quotes"] == 3


def test_admin_adoption_goes_through_the_service_and_the_ledger(admin_site_client, world):
    rule_set = publish_inquiry()
    response = admin_site_client.post("/admin/trading/rulesetadoption/add/", {
        "station": world.station.pk, "rule_set": rule_set.pk, "note": "试行"})
    assert response.status_code == 302
    assert rulesets.in_force(world.station, "inquiry") == rule_set
    assert [e["data"]["code"] for e in adoption_entries()] == ["xian-2027"]
    again = admin_site_client.post("/admin/trading/rulesetadoption/add/", {
        "station": world.station.pk, "rule_set": rule_set.pk})
    assert again.status_code == 200 and "already in force" in again.content.decode()


def test_admin_shows_a_published_rule_set_read_only_and_starts_a_new_one_from_the_defaults(admin_site_client):
    default = RuleSet.objects.get(code="tender-default", version=1)
    page = admin_site_client.get(f"/admin/trading/ruleset/{default.pk}/change/")
    assert page.status_code == 200
    assert default.digest in page.content.decode() and "bid_period_days" in page.content.decode()
    form = admin_site_client.get("/admin/trading/ruleset/add/?procedure=tender").context["adminform"].form
    assert form.initial["procedure"] == "tender"
    assert form.initial["params"] == default_params("tender")
