"""The role x object matrix of issue 8: who reads which documents of a transaction, and who
can change a supplier's record, through every channel that could give them.

Documents (finding 7: the download view and the API's list skipped the rule the page
applied, so losing bidders downloaded internal files): one rule,
`trading.selectors.document_purposes_for`, the same on the transaction page's list, the
download URL, the API's document list and the `documents` of the API's transaction:

    purchaser, clerk, supervisor   every document
    a member of the panel          specification, budget
    the contract's supplier        specification, contract, acceptance report
    any other invited supplier     specification (once the notice is published)
    the filer of a challenge       also the file attached to its challenge
    anyone who sees it, and        what the public notices published: the specification
    the public (issue 9 item 2)    with the inquiry notice, the signed contract with the
                                   contract notice
    anyone else                    nothing on the logged-in channels (the transaction is
                                   not theirs to see): the public channels only

The public channels (the transaction's public page, the notices' pages, the API's notices,
the download at /t/<code>/documents/<id>/) give everyone, logged in or not, exactly what
the public notices published so far.

Suppliers (findings 3 and 4): a company's record and its representatives change only in
the Django admin, by staff allowed to change suppliers; a representative cannot change
its company (it registers a company once); every change is ledgered (`company.changed`).
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bidding.models import Company, PanelMember
from bidding.models.companies import Representation
from tests.admin_forms import admin_form, inline_add
from tests.bidding.test_sealed_support import recorded
from tests.factories import make_user
from tests.trading.inquiry_world import (
    MONDAY,
    PRICES,
    assess_all,
    form_group,
    issue_notice,
    make_inquiry_world,
    open_quotes,
    pass_deadline,
    settle,
    submit_quote,
)
from trading import clock
from trading.models import Document, Notice, Transaction, User
from trading.procedures.inquiry import services
from trading.procedures.inquiry.models import InquiryRound
from trading.services.transactions import document_attach, transaction_create
from trading.services.transitions import transaction_transition

pytestmark = [pytest.mark.django_db]

ALL = {"approval", "budget", "specification", "contract", "acceptance", "other", "challenge"}
# What the inquiry notice and the contract notice published (trading.selectors.PUBLISHED_WITH).
PUBLISHED = {"specification", "contract"}
EXPECTED_DOCUMENTS = {
    "purchaser": ALL,
    "clerk": ALL,
    "supervisor": ALL,
    "panel member": {"specification", "budget"} | PUBLISHED,
    "winning bidder": {"specification", "contract", "acceptance"},
    "losing bidder": PUBLISHED | {"challenge"},  # it filed a challenge with a file
    "bidder not invited": set(),
    "expert not drawn": set(),
    "clerk of another station": set(),
    "anonymous": set(),
}
CHANNELS = ("page", "download", "api list", "api detail")
PUBLIC_CHANNELS = ("public page", "public download", "notice pages", "api notices")


def upload(name, text):
    return SimpleUploadedFile(name, text.encode(), content_type="text/plain")


@pytest.fixture
def accepted():
    """The 13 computers, with a document of every purpose, walked to `accepted`: suppliers
    0, 1 and 2 invited and quoting (1 wins), supplier 3 in the pool but not invited."""
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        w = iw.world
        tx = transaction_create(user=w.purchaser, unit=w.unit, type="inquiry", title="办公电脑采购（13台）",
                                amount="78000.00")
        for purpose, name in (("approval", "立项批复.txt"), ("budget", "预算表.txt"), ("specification", "配置需求.txt"),
                              ("other", "内部请示.txt")):
            document_attach(transaction=tx, user=w.purchaser, upload=upload(name, f"{purpose} of {tx.code}"),
                            purpose=purpose)
        transaction_transition(code=tx.code, action="submit", user=w.purchaser)
        iw.tx = transaction_transition(code=tx.code, action="register", user=w.clerk)
        form_group(iw)
        issue_notice(iw, invite=3)
        for index, price in enumerate(PRICES):
            submit_quote(iw, index, price)
        pass_deadline(iw)
        open_quotes(iw)
        assess_all(iw)
        transaction_transition(code=tx.code, action="complete_evaluation", user=w.clerk)
        transaction_transition(code=tx.code, action="confirm_award", user=w.purchaser)
        transaction_transition(code=tx.code, action="publish_result", user=w.clerk)
        loser, loser_company = iw.suppliers[0]
        challenge = services.challenge_file(code=tx.code, user=loser, company=loser_company, text="有异议",
                                            upload=upload("质疑材料.txt", f"challenge of {tx.code}"))
        services.challenge_answer(code=tx.code, user=w.clerk, challenge_id=challenge.pk, answer="维持原结果")
        until = InquiryRound.objects.get(transaction=tx, round=1).challenge_until
        clock.advance(until - clock.now() + timedelta(seconds=1))
        settle()
        services.inquiry_record_contract(code=tx.code, user=w.purchaser, amount="74800.00",
                                         signed_on=clock.now().date(), upload=upload("合同.txt", "contract"))
        services.inquiry_record_acceptance(code=tx.code, user=w.purchaser, accepted_on=clock.now().date(),
                                           passed=True, remarks="", upload=upload("验收报告.txt", "acceptance"))
        iw.tx = Transaction.objects.get(pk=tx.pk).as_procedure()
        assert iw.tx.stage == "accepted"
        assert set(Document.objects.filter(transaction=tx).values_list("purpose", flat=True)) == ALL
        members = set(PanelMember.objects.filter(transaction=tx).values_list("user_id", flat=True))
        iw.extra["users"] = {
            "purchaser": w.purchaser,
            "clerk": w.clerk,
            "supervisor": w.supervisor,
            "panel member": User.objects.get(pk=min(members)),
            "winning bidder": iw.suppliers[1][0],
            "losing bidder": iw.suppliers[0][0],
            "bidder not invited": iw.suppliers[3][0],
            "expert not drawn": next(u for u in iw.experts if u.pk not in members),
            "clerk of another station": w.other_clerk,
            "anonymous": None,
        }
        yield iw


def clients(user):
    web, rest = Client(), APIClient()
    if user is not None:
        web.force_login(user)
        rest.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return web, rest


def documents_seen(tx, user) -> dict:
    """{channel: the purposes `user` gets through it}."""
    web, rest = clients(user)
    purpose_of = {d.pk: d.purpose for d in Document.objects.filter(transaction=tx)}
    seen = dict.fromkeys(CHANNELS, set())
    page = web.get(f"/work/transactions/{tx.code}/")
    if page.status_code == 200:
        linked = re.findall(rf"/work/transactions/{tx.code}/documents/(\d+)/", page.content.decode())
        seen["page"] = {purpose_of[int(pk)] for pk in linked}
    else:
        assert page.status_code in (302, 404)
    seen["download"] = set()
    for pk, purpose in purpose_of.items():
        response = web.get(f"/work/transactions/{tx.code}/documents/{pk}/")
        assert response.status_code in (200, 302, 404)
        if response.status_code == 200:
            seen["download"].add(purpose)
    listed = rest.get(f"/api/v1/transactions/{tx.code}/documents/")
    assert listed.status_code in (200, 401, 403, 404)
    if listed.status_code == 200:
        seen["api list"] = {d["purpose"] for d in listed.json()}
    detail = rest.get(f"/api/v1/transactions/{tx.code}/")
    assert detail.status_code in (200, 401, 403, 404)
    if detail.status_code == 200:
        seen["api detail"] = {d["purpose"] for d in detail.json()["documents"]}
    return seen


def test_every_role_reads_the_same_documents_on_every_channel(accepted):
    seen = {role: documents_seen(accepted.tx, user) for role, user in accepted.extra["users"].items()}
    assert seen == {role: dict.fromkeys(CHANNELS, purposes) for role, purposes in EXPECTED_DOCUMENTS.items()}


def public_documents_seen(tx, user) -> dict:
    """{public channel: the purposes `user` gets through it}."""
    web, rest = clients(user)
    purpose_of = {d.pk: d.purpose for d in Document.objects.filter(transaction=tx)}
    public_link = re.compile(rf"/t/{tx.code}/documents/(\d+)/")
    seen = dict.fromkeys(PUBLIC_CHANNELS, set())
    page = web.get(f"/audit/transactions/{tx.code}/").content.decode()
    assert f"/work/transactions/{tx.code}/documents/" not in page
    seen["public page"] = {purpose_of[int(pk)] for pk in public_link.findall(page)}
    seen["public download"] = set()
    for pk, purpose in purpose_of.items():
        response = web.get(f"/t/{tx.code}/documents/{pk}/")
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            seen["public download"].add(purpose)
    seen["notice pages"] = set()
    for notice in Notice.objects.filter(transaction=tx, addressee__isnull=True):
        page = web.get(f"/notices/{notice.pk}/").content.decode()
        seen["notice pages"] |= {purpose_of[int(pk)] for pk in public_link.findall(page)}
    listed = rest.get(f"/api/v1/notices/?code={tx.code}")
    assert listed.status_code == 200
    seen["api notices"] = {d["purpose"] for n in listed.json() for d in n["documents"]}
    return seen


def test_every_role_reads_the_same_published_documents_on_every_public_channel(accepted):
    seen = {role: public_documents_seen(accepted.tx, user) for role, user in accepted.extra["users"].items()}
    assert seen == {role: dict.fromkeys(PUBLIC_CHANNELS, PUBLISHED) for role in EXPECTED_DOCUMENTS}


# --- who can change a supplier's record -----------------------------------------------------------

EDITORS = {"superuser", "staff allowed to change suppliers"}
ATTEMPTS = ("admin page", "admin edit", "admin representative", "register page", "api register", "api change")


def company_changes_by(company, user, form_of, n) -> set:
    """What `user` managed: each attempt that reached the record or changed it. `form_of()`:
    the admin's form as it is now (a valid post, so that only the permissions decide)."""
    web, rest = clients(user)
    done = set()
    url = reverse("admin:bidding_company_change", args=[company.pk])
    if web.get(url).status_code == 200:
        done.add("admin page")
    phone = f"0591-8700{n:04d}"
    web.post(url, {**form_of(), "contact_phone": phone, "_save": "Save"})
    if Company.objects.get(pk=company.pk).contact_phone == phone:
        done.add("admin edit")
    helper = make_user(roles=[])
    data = inline_add(form_of(), "representations", user=helper.pk, company=company.pk)
    web.post(url, {**data, "_save": "Save"})
    if Representation.objects.filter(company=company, user=helper).exists():
        done.add("admin representative")
    takeover = {"uscc": company.uscc, "name": f"冒名公司{n}", "contact_name": "冒名", "contact_phone": "13800000000"}
    web.post(reverse("company-register"), takeover)
    if Company.objects.get(pk=company.pk).name == takeover["name"]:
        done.add("register page")
    rest.post("/api/v1/companies/", takeover, format="json")
    if Company.objects.get(pk=company.pk).name == takeover["name"]:
        done.add("api register")
    for method in (rest.put, rest.patch):
        method("/api/v1/companies/mine/", {**takeover, "id": company.pk}, format="json")
    if Company.objects.get(pk=company.pk).name == takeover["name"]:
        done.add("api change")
    return done


def test_only_staff_allowed_to_change_suppliers_change_one_and_every_change_is_ledgered(accepted):
    users = dict(accepted.extra["users"])
    company = accepted.suppliers[0][1]  # the losing bidder's own company
    users["superuser"] = User.objects.create_superuser("siteadmin", password="pw-for-tests-1", full_name="站点管理员")
    users["staff without permissions"] = make_user(full_name="无权限职员")
    users["staff allowed to change suppliers"] = make_user(full_name="供应商库管理员")
    User.objects.filter(pk__in=[users["staff without permissions"].pk,
                                users["staff allowed to change suppliers"].pk]).update(is_staff=True)
    users["staff allowed to change suppliers"].user_permissions.set(
        Permission.objects.filter(content_type__app_label="bidding", codename__in=[
            "view_company", "change_company", "add_representation", "change_representation",
            "delete_representation"]))
    for key in ("staff without permissions", "staff allowed to change suppliers"):
        users[key] = User.objects.get(pk=users[key].pk)
    superuser_web = clients(users["superuser"])[0]

    def form_of():
        return admin_form(superuser_web, reverse("admin:bidding_company_change", args=[company.pk]))

    before = recorded("company.changed", f"company:{company.pk}")
    done = {role: company_changes_by(company, user, form_of, n) for n, (role, user) in enumerate(users.items())}
    assert done == {role: ({"admin page", "admin edit", "admin representative"} if role in EDITORS else set())
                    for role in users}
    changes = recorded("company.changed", f"company:{company.pk}")[len(before):]
    by_actor = {}
    for e in changes:
        by_actor.setdefault(e["actor"]["name"], []).append(e["data"].get("changed") or e["data"]["representative"])
    assert by_actor == {users[role].full_name: [["contact_phone"], "added"] for role in EDITORS}
    assert all(e["actor"]["role"] == "administrator" for e in changes)
