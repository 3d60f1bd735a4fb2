"""Who is invited to quote, and how that is known (issue 8, finding 6): a performed supplier
draw binds the clerk, who may set it aside only with a reason, recorded, shown to the
supervisors and flagged in the ledger (`draw_set_aside`); named invitees come from the
station's active supplier pool; the notice and its ledger entries say how the invitees
were chosen and carry the opening public key."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils.translation import gettext as _
from django.utils.translation import override
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bidding.models import Admission, OpeningKey, SupplierPoolEntry
from bidding.services.companies import company_register, supplier_pool_add
from ledger.models import Entry, PendingEntry
from tests.factories import make_user
from tests.trading.inquiry_world import MONDAY, form_group, make_inquiry_world, settle, uscc
from trading import clock, workdays
from trading.errors import RuleViolation
from trading.models import Notice, NoticeKind, Role, Transaction
from trading.procedures.inquiry import services
from trading.procedures.inquiry.records import InvitationMethod

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
NOTE = "抽中的两家供应商已停业，经采购人书面推荐另行邀请三家"


@pytest.fixture
def iw():
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        form_group(iw)
        yield iw


def draw_suppliers(iw, count=3):
    services.inquiry_announce_supplier_draw(code=iw.tx.code, user=iw.world.clerk, count=count)
    settle()


def issue(iw, companies, **kwargs):
    deadline = workdays.earliest_deadline(clock.now(), 3) + timedelta(hours=9)
    tx = services.inquiry_issue_notice(
        code=iw.tx.code, user=iw.world.clerk, deadline=deadline, price_composition="含运输、安装、税费",
        award_criterion="满足需求且报价最低", invitees=[c.pk for c in companies],
        supervisor=iw.world.supervisor.pk, purchaser_rep=iw.world.purchaser.pk, **kwargs)
    settle()
    iw.tx = Transaction.objects.get(pk=tx.pk).as_procedure()
    return iw.tx


def companies(iw, *indexes):
    return [iw.suppliers[i][1] for i in indexes]


def ledger(code=None):
    bodies = [json.loads(bytes(b)) for b in Entry.objects.order_by("seq").values_list("body", flat=True)]
    bodies += [json.loads(p) for p in PendingEntry.objects.values_list("payload", flat=True)]
    return [e for e in bodies if code is None or e["subject"] == code]


def notice_entry(iw):
    return [e for e in ledger(iw.tx.code) if e["kind"] == "transition" and e["data"]["action"] == "issue_notice"][0]


def test_a_performed_supplier_draw_binds_named_invitees_without_a_reason(iw):
    draw_suppliers(iw)
    with pytest.raises(RuleViolation) as refused:
        issue(iw, companies(iw, 0, 1, 2, 3))
    assert refused.value.rule == "inquiry.draw_binds" and "reason" in refused.value.message
    assert Transaction.objects.get(pk=iw.tx.pk).stage == "group_formed"
    assert not Admission.objects.exists()


def test_the_drawn_suppliers_are_invited_and_the_notice_says_so(iw):
    draw_suppliers(iw)
    tx = issue(iw, [], use_supplier_draw=True)
    assert tx.stage == "quoting" and Admission.objects.filter(method="draw").count() == 3
    data = notice_entry(iw)["data"]
    assert data["invitation"] == "draw" and "draw_set_aside" not in data


def test_setting_the_draw_aside_takes_a_reason_that_supervisors_see_and_the_ledger_flags(iw):
    draw_suppliers(iw)
    tx = issue(iw, companies(iw, 0, 1, 2, 3), invitation_note=NOTE)
    assert tx.stage == "quoting"
    data = notice_entry(iw)["data"]
    assert data["invitation"] == "recommendation" and data["draw_set_aside"] is True
    # The reason is on the record, for the station and its supervisors (page and API); not
    # in the ledger, not in any notice, not for bidders, experts or the public.
    assert NOTE not in json.dumps(ledger(), ensure_ascii=False)
    assert not any(NOTE in n.body for n in Notice.objects.all())
    bidder = iw.suppliers[0][0]
    member = tx.panel.first().user
    for user, sees in ((iw.world.supervisor, True), (iw.world.clerk, True), (bidder, False), (member, False),
                       (iw.world.purchaser, False)):
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = "en"
        page = client.get(f"/work/transactions/{tx.code}/").content.decode()
        assert (NOTE in page) is sees, user
        assert ("set aside" in page) is sees
        token = Token.objects.get_or_create(user=user)[0].key
        rest = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
        overview = rest.get(f"/api/v1/transactions/{tx.code}/inquiry/").json()
        assert overview["invitation_method"] == "recommendation"
        assert overview["invitation_note"] == (NOTE if sees else None), user
    assert NOTE not in Client().get(f"/audit/transactions/{tx.code}/").content.decode()


def test_without_a_draw_named_invitees_need_no_reason(iw):
    tx = issue(iw, companies(iw, 0, 1, 2))
    data = notice_entry(iw)["data"]
    assert tx.stage == "quoting" and data["invitation"] == "recommendation" and "draw_set_aside" not in data


def test_a_company_switched_off_in_the_pool_is_not_invited(iw):
    SupplierPoolEntry.objects.filter(company=iw.suppliers[3][1]).update(active=False)
    with pytest.raises(RuleViolation) as refused:
        issue(iw, companies(iw, 0, 1, 2, 3))
    assert refused.value.rule == "inquiry.invitees_from_pool"
    assert iw.suppliers[3][1].name in refused.value.message and iw.suppliers[0][1].name not in refused.value.message
    assert not Admission.objects.exists()


def test_a_registered_company_outside_the_station_s_pool_is_not_invited(iw):
    user = make_user(roles=[(Role.BIDDER, iw.world.station, None)])
    outsider = company_register(user=user, uscc=uscc(77), name="不在库中的电脑公司", contact_name="王五",
                                contact_phone="0591-88880077")
    elsewhere = company_register(user=user, uscc=uscc(78), name="邻乡库中的电脑公司", contact_name="王五",
                                 contact_phone="0591-88880078")
    supplier_pool_add(station=iw.world.other_station, company=elsewhere)
    for extra in (outsider, elsewhere):
        with pytest.raises(RuleViolation) as refused:
            issue(iw, [*companies(iw, 0, 1, 2), extra])
        assert refused.value.rule == "inquiry.invitees_from_pool" and extra.name in refused.value.message
    assert Transaction.objects.get(pk=iw.tx.pk).stage == "group_formed"


def test_the_notice_states_how_suppliers_were_invited_and_the_opening_public_key(iw):
    tx = issue(iw, companies(iw, 0, 1, 2))
    key = bytes(OpeningKey.objects.get(bid_round__transaction=tx).public_key).hex()
    notice = Notice.objects.get(transaction=tx, kind=NoticeKind.INQUIRY)
    with override("zh-hans"):  # notices are in the station's language
        stated = _("Suppliers invited by: %(method)s") % {"method": InvitationMethod.RECOMMENDATION.label}
    assert stated in notice.body and key in notice.body
    [published] = [e for e in ledger(tx.code) if e["kind"] == "notice.published"]
    assert published["data"]["invitation"] == "recommendation"
    assert published["data"]["opening_public_key"] == key
