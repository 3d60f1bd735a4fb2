"""The courtyard paving in a real browser, two envelopes and comprehensive scoring: the
clerk issues the notice, three bidders register and bid on their bid page (technical
documents, then the price; one replaces its price), the clerk forms the committee, the
custodians open the technical envelopes and then the prices on the opening page, the
members assess and score, the evaluation table, the candidates, the award and the result.
Screenshots 30-39 go to docs/screenshots/."""

import pytest

from bidding.models import PanelMember
from bidding.selectors_sealed import round_of
from tests.trading.tender_world import (  # noqa: F401  (fast_scrypt: autouse)
    MONDAY,
    PASSPHRASES,
    PAST_CLOSING,
    fast_scrypt,
    make_tender_world,
    settle,
)
from trading import clock
from trading.models import Transaction
from trading.procedures.tender.models import TenderRound

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("ledger_transactional_db")]


def stage(tw):
    return Transaction.objects.get(pk=tw.tx.pk).stage


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/work/")


def submit(page, action):
    page.click(f"form[action$='{action}'] button[type=submit]")
    page.wait_for_load_state()


def open_with_custodians(clerk, tw, code):
    clerk.goto(f"/bidding/opening/{code}/")
    for custodian, passphrase in ((tw.world.clerk, PASSPHRASES["clerk"]),
                                  (tw.world.supervisor, PASSPHRASES["supervisor"])):
        box = clerk.locator(f"fieldset[data-custodian='{custodian.pk}']")
        box.locator("[data-role=password]").fill("pw-for-tests-1")
        box.locator("[data-role=passphrase]").fill(passphrase)
        box.locator("[data-role=decrypt]").click()
        clerk.wait_for_function(f"document.querySelector('#id_share_{custodian.pk}').value.length == 64",
                                timeout=60000)
    clerk.click("form[action*='/bidding/opening/'] button[type=submit]")
    clerk.wait_for_load_state()


def test_the_courtyard_paving_in_the_browser(new_page, shot, tmp_path):
    with clock.frozen_at(MONDAY):
        tw = make_tender_world()
        code = tw.tx.code

        clerk = new_page()
        log_in(clerk, tw.world.clerk)
        clerk.goto(f"/work/transactions/{code}/")
        clerk.check("input[name=method][value=scoring]")
        clerk.check("input[name=two_envelopes]")
        clerk.fill("#id_max_price", "450000.00")
        shot(clerk, "30-clerk-tender-notice")
        submit(clerk, "/tender/notice/")
        assert stage(tw) == "tendering"

        for index, (user, company) in enumerate(tw.bidders[:3]):
            bidder = new_page()
            log_in(bidder, user)
            bidder.goto(f"/work/transactions/{code}/tender/bid/?company={company.pk}")
            bidder.click("form:has(input[value=register]) button[type=submit]")
            bidder.wait_for_load_state()
            documents = tmp_path / f"technical-{index}.txt"
            documents.write_text(f"施工组织设计 {company.name}", encoding="utf-8")
            bidder.set_input_files("input[name=file]", str(documents))
            bidder.click("form:has(input[value=technical]) button[type=submit]")
            bidder.wait_for_load_state()
            bidder.fill("#id_price", ["438000.00", "431500.00", "447900.00"][index])
            if index == 0:
                shot(bidder, "31-bidder-bid-page")
            bidder.click("form:has(input[value=price]) button[type=submit]")
            bidder.wait_for_load_state()
            if index == 1:  # a replacement: a lower price
                bidder.fill("#id_price", "421500.00")
                bidder.click("form:has(input[value=price]) button[type=submit]")
                bidder.wait_for_load_state()
                shot(bidder, "32-bidder-receipts")
        assert round_of(tw.tx).bids.filter(status="live").count() == 6

        clock.advance(round_of(tw.tx).deadline - clock.now() + PAST_CLOSING)
        settle()
        assert stage(tw) == "bids_closed"
        clerk.goto(f"/work/transactions/{code}/")
        submit(clerk, "/tender/draw/")
        settle()  # the next checkpoint performs the draw
        clerk.goto(f"/work/transactions/{code}/")
        submit(clerk, "/tender/committee/")
        assert stage(tw) == "committee_formed"

        open_with_custodians(clerk, tw, code)
        assert stage(tw) == "technical_opened"
        members = list(PanelMember.objects.filter(transaction=tw.tx).select_related("user"))
        for member in members:
            expert = new_page()
            log_in(expert, member.user)
            expert.goto(f"/work/transactions/{code}/")
            for form in range(3):
                section = expert.locator("form[action$='/tender/assess/']").nth(form)
                section.locator("input[value=yes]").check()
                section.locator("textarea[name=reason]").fill("施工方案可行")
                section.locator("button[type=submit]").click()
                expert.wait_for_load_state()
            if member == members[0]:
                shot(expert, "33-member-technical-assessment")
        open_with_custodians(clerk, tw, code)
        assert stage(tw) == "opened"
        shot(clerk, "34-opening-record-prices")

        for member in members:
            expert = new_page()
            log_in(expert, member.user)
            expert.goto(f"/work/transactions/{code}/")
            for form in range(3):
                section = expert.locator("form[action$='/tender/assess/']").nth(form)
                section.locator("input[value=yes]").check()
                section.locator("textarea[name=reason]").fill("响应招标文件")
                section.locator("input[name=technical]").fill(str(38 + form))
                section.locator("input[name=commercial]").fill("12")
                section.locator("button[type=submit]").click()
                expert.wait_for_load_state()
            if member == members[0]:
                shot(expert, "35-member-scoring")
            submit(expert, "/tender/sign/")
            assert PanelMember.objects.get(pk=member.pk).signed_at is not None

        clerk.goto(f"/work/transactions/{code}/tender/scoring/")
        shot(clerk, "36-evaluation-table")
        clerk.goto(f"/work/transactions/{code}/")
        clerk.click("button[value=complete_evaluation]")
        clerk.wait_for_load_state()
        clerk.click("button[value=publish_candidates]")
        clerk.wait_for_load_state()
        assert stage(tw) == "candidates_published"
        shot(clerk, "37-candidates")

        clock.advance(TenderRound.objects.get(transaction=tw.tx).publicity_until - clock.now())
        purchaser = new_page()
        log_in(purchaser, tw.world.purchaser)
        purchaser.goto(f"/work/transactions/{code}/")
        purchaser.click("button[value=award]")
        purchaser.wait_for_load_state()
        assert stage(tw) == "awarded"
        clerk.goto(f"/work/transactions/{code}/")
        clerk.click("button[value=publish_result]")
        clerk.wait_for_load_state()
        assert stage(tw) == "result_published"
        public = new_page()
        public.goto(f"/audit/transactions/{code}/")
        assert members[0].user.ledger_name() in public.inner_text("body")
        shot(public, "38-public-result")
