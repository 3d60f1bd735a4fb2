"""The 13 computers in a real browser: the clerk forms the group and issues the notice,
three suppliers seal their quotes, the custodians open them, the group assesses, the
purchaser confirms the award. Screenshots go to docs/screenshots/ for the user guide."""

import re

import pytest

from bidding.models import Draw, PanelMember
from bidding.selectors_sealed import round_of
from tests.trading.inquiry_world import (
    MONDAY,
    PASSPHRASES,
    PAST_CLOSING,
    make_inquiry_world,
    settle,
)
from trading import clock

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("ledger_transactional_db")]


def stage(iw):
    from trading.models import Transaction

    return Transaction.objects.get(pk=iw.tx.pk).stage


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/work/")


def test_clerk_suppliers_custodians_opening_and_award(new_page, shot):
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        code = iw.tx.code

        clerk = new_page()
        log_in(clerk, iw.world.clerk)
        clerk.goto(f"/work/transactions/{code}/")
        clerk.click("form[action$='/inquiry/draw/'] button[type=submit]")
        clerk.wait_for_load_state()
        assert Draw.objects.filter(transaction=iw.tx, purpose="experts").exists()
        settle()  # the next checkpoint is signed: the draw is performed
        clerk.goto(f"/work/transactions/{code}/")
        clerk.click("form[action$='/inquiry/group/'] button[type=submit]")
        clerk.wait_for_load_state()
        assert stage(iw) == "group_formed"
        clerk.goto(f"/work/transactions/{code}/")
        for _user, company in iw.suppliers:
            clerk.check(f"input[name=invitees][value='{company.pk}']")
        shot(clerk, "10-clerk-inquiry-notice")
        clerk.click("form[action$='/inquiry/notice/'] button[type=submit]")
        clerk.wait_for_load_state()
        assert stage(iw) == "notice_issued"
        settle()  # quoting opens
        assert stage(iw) == "quoting"

        for (user, company), price in zip(iw.suppliers[:3], ["76500.00", "74800.00", "77900.00"], strict=True):
            supplier = new_page()
            supplier.goto("/accounts/login/")
            supplier.fill("#id_username", user.username)
            supplier.fill("#id_password", "pw-for-tests-1")
            supplier.click("#login-form button[type=submit]")
            supplier.goto(f"/bidding/quotes/{code}/?company={company.pk}")
            if price == "76500.00":
                shot(supplier, "11-supplier-quote-form")
            supplier.fill("#id_price", price)
            supplier.check("input[name=understood]")
            supplier.click("form[action*='/bidding/quotes/'] button[type=submit]")
            supplier.wait_for_selector("text=bid receipt")
            if price == "76500.00":
                shot(supplier, "12-supplier-receipt")

        deadline = round_of(iw.tx).deadline
        clock.advance(deadline - clock.now() + PAST_CLOSING)
        settle()  # the tick closes the quotes at the deadline

        clerk.goto(f"/bidding/opening/{code}/")
        # Each custodian signs in with its own password on this device and decrypts its share
        # here with its passphrase: only the share goes to the server.
        for custodian, passphrase in ((iw.world.clerk, PASSPHRASES["clerk"]),
                                      (iw.world.supervisor, PASSPHRASES["supervisor"])):
            box = clerk.locator(f"fieldset[data-custodian='{custodian.pk}']")
            box.locator("[data-role=password]").fill("pw-for-tests-1")
            box.locator("[data-role=passphrase]").fill(passphrase)
            box.locator("[data-role=decrypt]").click()
            clerk.wait_for_function(
                f"document.querySelector('#id_share_{custodian.pk}').value.length == 64", timeout=60000)
            assert box.locator("[data-role=passphrase]").input_value() == ""  # wiped once used
        shot(clerk, "13-custodians-opening")
        clerk.click("form[action*='/bidding/opening/'] button[type=submit]")
        clerk.wait_for_selector("text=74,800.00")
        assert stage(iw) == "opened"
        shot(clerk, "14-opening-record")

        for member in PanelMember.objects.filter(transaction=iw.tx):
            expert = new_page()
            log_in(expert, member.user)
            expert.goto(f"/work/transactions/{code}/")
            for form in range(3):
                section = expert.locator("form[action$='/inquiry/assess/']").nth(form)
                section.locator("input[value=yes]").check()
                section.locator("textarea[name=reason]").fill("满足全部技术参数")
                section.locator("button[type=submit]").click()
                expert.wait_for_load_state()
            expert.click("form[action$='/inquiry/sign/'] button[type=submit]")
            expert.wait_for_load_state()
            assert PanelMember.objects.get(pk=member.pk).signed_at is not None

        clerk.goto(f"/work/transactions/{code}/inquiry/comparison/")
        shot(clerk, "15-quote-comparison")
        clerk.goto(f"/work/transactions/{code}/")
        clerk.click("button[value=complete_evaluation]")
        clerk.wait_for_load_state()
        assert stage(iw) == "evaluated"

        purchaser = new_page()
        log_in(purchaser, iw.world.purchaser)
        purchaser.goto(f"/work/transactions/{code}/")
        purchaser.click("button[value=confirm_award]")
        purchaser.wait_for_load_state()
        assert stage(iw) == "awarded"
        assert re.search(r"74,800\.00", purchaser.inner_text("#inquiry"))
        shot(purchaser, "16-award-confirmed")
