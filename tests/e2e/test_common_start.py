"""A purchaser files, a clerk registers, a supervisor suspends and resumes, the public
checks the ledger: in a real browser, without JavaScript-only steps."""

import re

import pytest

from tests.factories import make_world
from trading.models import Stage, Transaction

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("ledger_transactional_db")]


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/work/")


def test_filing_registration_supervision_and_public_audit(new_page, shot, tmp_path):
    world = make_world()

    purchaser = new_page()
    log_in(purchaser, world.purchaser)
    purchaser.click("text=新建交易申报")
    purchaser.select_option("#id_type", "inquiry")
    purchaser.fill("#id_title", "便民服务中心及交易站办公电脑采购（13台）")
    purchaser.fill("#id_amount", "78,000.00")
    purchaser.click("#transaction-form button[type=submit]")
    purchaser.wait_for_selector("text=已建档")
    code = re.search(r"JY-\d{4}-\d{4}", purchaser.inner_text("h1")).group(0)
    approval = tmp_path / "采购申请审批表.txt"
    approval.write_text("同意采购办公电脑13台，预算78,000.00元。", encoding="utf-8")
    purchaser.set_input_files("#id_file", str(approval))
    purchaser.click("text=上传 >> nth=-1")
    purchaser.wait_for_selector("text=已上传")
    shot(purchaser, "01-purchaser-draft")
    purchaser.click("button:has-text('申请进场')")
    purchaser.wait_for_selector("text=当前阶段为“已申请进场”")

    clerk = new_page()
    log_in(clerk, world.clerk)
    assert code in clerk.inner_text("body")
    shot(clerk, "02-clerk-waiting")
    clerk.click(f"text={code} >> nth=0")
    clerk.click("button:has-text('进场登记')")
    clerk.wait_for_selector("text=当前阶段为“已进场登记”")
    shot(clerk, "03-clerk-registered")

    supervisor = new_page()
    log_in(supervisor, world.supervisor)
    supervisor.goto(f"/work/transactions/{code}/")
    supervisor.fill("form[action$='/act/suspend/'] textarea[name=reason]", "接到群众反映，暂停核查")
    supervisor.click("button:has-text('暂停')")
    supervisor.wait_for_selector("text=暂停于")
    supervisor.click("button:has-text('恢复')")
    supervisor.wait_for_selector("text=当前阶段为“已进场登记”")
    assert Transaction.objects.get(code=code).stage == Stage.REGISTERED

    public = new_page()
    public.goto("/audit/")
    public.fill("input[name=subject]", code)
    public.click("button:has-text('筛选')")
    rows = public.locator("tbody tr")
    assert rows.count() == 6  # create, document, submit, register, suspend, resume
    assert "暂停" in public.inner_text("tbody")
    shot(public, "04-public-audit-trail")
    public.locator("tbody tr td a").first.click()
    public.wait_for_selector("text=证明成立")
    shot(public, "05-public-entry-proof")
    public.click("button:has-text('English')")
    public.wait_for_selector("text=The proof checks out")
