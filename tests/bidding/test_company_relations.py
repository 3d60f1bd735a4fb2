"""Related parties (招标投标法实施条例第三十四条): a company's legal representative and its
controlling company, recorded on its page or in the admin and ledgered; in a round whose
procedure excludes related parties the second of them is refused at submission, naming
the rule and not the other company."""

import pytest
from django.urls import reverse

from bidding.models import Bid, BidRound, Company
from bidding.services.companies import company_relations_set
from tests.refusals import refused_to_page, shown_once
from trading.errors import InvalidInput, NotPermitted, RuleViolation
from trading.models import User

from .test_sealed_support import fast_scrypt, quoting_round, recorded  # noqa: F401  (autouse)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
RULE = "招标投标法实施条例第三十四条 / Regulations on the Implementation of the Bidding Law art. 34"


def excluding_round(suppliers=3):
    r = quoting_round(suppliers=suppliers)
    BidRound.objects.filter(pk=r.bid_round.pk).update(related_parties_rule=RULE, policy="replaceable")
    r.bid_round.refresh_from_db()
    return r


def test_the_same_legal_representative_makes_the_second_bid_refused_with_the_rule():
    r = excluding_round()
    (a, a_user), (b, b_user), (c, _u) = r.suppliers
    company_relations_set(company=a, user=a_user, legal_representative="王 建国", controlled_by="")
    company_relations_set(company=b, user=b_user, legal_representative="王　建国 ", controlled_by="")  # full-width space
    r.submit(0, "100.00")
    with pytest.raises(RuleViolation, match="art. 34") as refused:
        r.submit(1, "90.00")
    assert refused.value.rule == "sealed.related_parties" and a.name not in refused.value.message
    r.submit(2, "95.00")  # an unrelated company bids
    assert Bid.objects.filter(bid_round=r.bid_round).count() == 2


def test_control_either_way_makes_parties_related_and_a_replacement_still_passes():
    r = excluding_round()
    (a, a_user), (b, b_user), _c = r.suppliers
    company_relations_set(company=b, user=b_user, legal_representative="", controlled_by=a.uscc)
    r.submit(1, "90.00")
    with pytest.raises(RuleViolation):
        r.submit(0, "100.00")  # the controlling company after the controlled one
    r.submit(1, "89.00")  # its own replacement is not a second party (the round is replaceable)


def test_without_the_rule_related_parties_may_both_bid():
    r = quoting_round()
    (a, a_user), (b, b_user), _c = r.suppliers
    company_relations_set(company=b, user=b_user, legal_representative="", controlled_by=a.uscc)
    r.submit(0, "100.00")
    r.submit(1, "90.00")


def test_relations_are_ledgered_by_field_name_and_checked():
    r = quoting_round()
    (a, a_user), (b, b_user), _c = r.suppliers
    company_relations_set(company=a, user=a_user, legal_representative="张三", controlled_by=b.uscc)
    entry = recorded("company.changed", f"company:{a.pk}")[-1]
    assert entry["data"] == {"changed": ["controlled_by", "legal_representative"]}
    assert "张三" not in str(entry)
    with pytest.raises(InvalidInput, match="does not control itself"):
        company_relations_set(company=a, user=a_user, legal_representative="", controlled_by=a.uscc)
    with pytest.raises(InvalidInput, match="credit code"):
        company_relations_set(company=a, user=a_user, legal_representative="", controlled_by="91350100MA2Y0000XX")
    with pytest.raises(NotPermitted):
        company_relations_set(company=a, user=b_user, legal_representative="李四", controlled_by="")


def test_the_bidder_records_relations_on_its_company_page(client):
    r = quoting_round()
    (a, a_user), (b, _u), _c = r.suppliers
    client.force_login(a_user)
    response = client.post(reverse("company-relations"),
                           {"company": a.pk, "legal_representative": "赵六", "controlled_by": b.uscc})
    assert response.status_code == 302
    a = Company.objects.get(pk=a.pk)
    assert (a.legal_representative, a.controlled_by) == ("赵六", b)
    assert "赵六" in client.get(reverse("company-mine")).content.decode()
    page = reverse("company-mine")
    bad = client.post(reverse("company-relations"), {"company": a.pk, "controlled_by": "nonsense"})
    shown = refused_to_page(client, bad, page, anchor=f"form-relations_{a.pk}").content.decode()
    assert "credit code" in shown and 'value="nonsense"' in shown  # at its field, what was typed kept
    assert shown_once(client, page)
    assert Company.objects.get(pk=a.pk).controlled_by == b  # nothing saved is lost
    refused_to_page(client, client.post(reverse("company-relations"), {"company": b.pk, "legal_representative": "x"}),
                    page)
    refused_to_page(client, client.post(reverse("company-relations"), {"company": "1e9"}), page)


def test_station_staff_record_relations_in_the_admin_ledgered(client):
    r = quoting_round()
    (a, _u), (b, _v), _c = r.suppliers
    client.force_login(User.objects.create_superuser("relationsadmin", password="pw-for-tests-1", full_name="管理员"))
    form = {"uscc": a.uscc, "name": a.name, "contact_name": a.contact_name, "contact_phone": a.contact_phone,
            "legal_representative": "钱　七", "controlled_by": b.pk,
            "pool_entries-TOTAL_FORMS": "0", "pool_entries-INITIAL_FORMS": "0",
            "representations-TOTAL_FORMS": "0", "representations-INITIAL_FORMS": "0"}
    response = client.post(reverse("admin:bidding_company_change", args=[a.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    a = Company.objects.get(pk=a.pk)
    assert (a.legal_representative, a.controlled_by) == ("钱 七", b)
    assert recorded("company.changed", f"company:{a.pk}")[-1]["data"]["changed"] == ["controlled_by",
                                                                                     "legal_representative"]
    itself = client.post(reverse("admin:bidding_company_change", args=[a.pk]), {**form, "controlled_by": a.pk})
    assert itself.status_code == 200 and "does not control itself" in itself.content.decode()
