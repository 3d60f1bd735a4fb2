"""Forms in a real browser (Post/Redirect/Get, trading/views/prg.py): a refused challenge
leaves the address on the transaction's page at the form, not on the POST's URL, with the
error at the top and what was typed; reloading neither re-posts nor shows it again; once
filed, the form gives way to the challenge waiting for its answer."""

import pytest

from bidding.models import Challenge
from tests.trading.inquiry_world import MONDAY, make_inquiry_world, walk
from trading import clock

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("ledger_transactional_db")]


def log_in(page, user):
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/work/")


def test_a_refused_challenge_stays_on_the_page_and_a_filed_one_replaces_the_form(new_page, tmp_path):
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        walk(iw, "published")
        code = iw.tx.code
        user, _company = iw.suppliers[0]
        page = new_page()
        log_in(page, user)
        page.goto(f"/work/transactions/{code}/")
        assert page.locator("label[for=id_challenge_text]").count() == 1
        wrong = tmp_path / "质疑.exe"
        wrong.write_bytes(b"MZ")
        page.fill("#id_challenge_text", "成交供应商的显示器尺寸不符合采购需求")
        page.set_input_files("#id_challenge_file", str(wrong))
        page.click("#form-challenge button[type=submit]")
        page.wait_for_selector("#error-summary")
        assert page.url.endswith(f"/work/transactions/{code}/#form-challenge")
        assert page.locator("#error-summary[role=alert] a[href='#id_challenge_file']").count() == 1
        assert page.locator("#id_challenge_file-error").is_visible()
        assert page.input_value("#id_challenge_text") == "成交供应商的显示器尺寸不符合采购需求"
        page.reload()  # a GET: nothing is posted again, the error is not shown again
        assert page.locator("#error-summary").count() == 0 and not Challenge.objects.exists()

        evidence = tmp_path / "质疑材料.pdf"
        evidence.write_bytes(b"%PDF-1.4 the monitors are 21.5 inches")
        page.fill("#id_challenge_text", "成交供应商的显示器尺寸不符合采购需求")
        page.set_input_files("#id_challenge_file", str(evidence))
        page.click("#form-challenge button[type=submit]")
        page.wait_for_load_state()
        assert page.url.endswith(f"/work/transactions/{code}/")
        assert Challenge.objects.get().attachment.name == "质疑材料.pdf"
        assert page.locator("#form-challenge").count() == 0
        assert page.locator("#challenge .ok").count() == 1  # "your challenge … waits for the answer"
