"""Browser tests: Playwright driving Debian's Chromium (headless) against the live server.

Run with `pytest -m e2e tests/e2e` (.ci/run does, after installing `chromium` if missing);
skipped when no Chromium is installed. Screenshots go to docs/screenshots/ for the user
guide (E2E_SCREENSHOT_DIR changes where).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "docs" / "screenshots"))


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in the test thread; the ORM calls the test
    # makes there (fixtures, assertions) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(language=None):
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                      locale="zh-CN")
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
