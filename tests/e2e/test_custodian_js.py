"""static/js/custodian.js in headless Chromium: a page loads it as a module, its classic
scripts find window.StationCustodian, and with the browser's own WebCrypto it gives the
share bidding/crypto.py gives (fresh vectors from tests/js/make_vectors.py) and refuses
what Python refuses; scrypt and HPKE give the RFCs' test vectors.

The page is served by Playwright itself from http://127.0.0.1 (a secure context, where
WebCrypto is offered), with no server and no network."""

import json
from pathlib import Path

import pytest

from tests.js.make_vectors import make_vectors

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ORIGIN = "http://127.0.0.1:9"  # never contacted: every request is answered by the route below
PAGE = """<!doctype html><meta charset="utf-8"><title>custodian</title>
<script type="module" src="/static/js/custodian.js"></script>
<script>
  window.seenAtLoad = "not yet";
  document.addEventListener("DOMContentLoaded", () => { window.seenAtLoad = typeof window.StationCustodian; });
</script>
"""

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def page(browser):
    # Through the session's Playwright (tests/e2e/conftest.py: one sync Playwright per
    # thread), a browser of its own launched as the custodian's page would be.
    own = browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])
    context = own.new_context()
    script = (ROOT / "static" / "js" / "custodian.js").read_text(encoding="utf-8")

    def answer(route):
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=PAGE)
        elif path == "/static/js/custodian.js":
            route.fulfill(status=200, content_type="text/javascript; charset=utf-8", body=script)
        else:
            route.fulfill(status=404, body="")

    context.route(f"{ORIGIN}/**", answer)
    page = context.new_page()
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("window.seenAtLoad !== 'not yet'")
    yield page
    context.close()
    own.close()


def test_the_module_sets_window_station_custodian_for_classic_scripts(page):
    assert page.evaluate("window.isSecureContext") is True
    assert page.evaluate("window.seenAtLoad") == "object"
    assert page.evaluate("Object.keys(window.StationCustodian).sort()") == [
        "CustodianSecretError", "isSupported", "normalisePassphrase", "openShareWithPassphrase", "parseBundle",
        "shareInfo"]
    assert page.evaluate("window.StationCustodian.isSupported()") is True


def test_the_rfc_test_vectors_in_chromium(page):
    results = page.evaluate("""async () => {
        const { _internal: m } = await import("/static/js/custodian.js");
        const ascii = (t) => new TextEncoder().encode(t);
        const dk = await m.scrypt(ascii("pleaseletmein"), ascii("SodiumChloride"), 16384, 8, 1, 64);
        const opened = await m.hpkeOpenBase(
            m.hexToBytes("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8"),
            m.hexToBytes("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d"),
            m.hexToBytes("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431"
                         + "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"),
            m.hexToBytes("4f6465206f6e2061204772656369616e2055726e"), m.hexToBytes("436f756e742d30"));
        return [m.bytesToHex(dk), m.bytesToHex(opened)];
    }""")
    assert results == [
        "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
        "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",  # RFC 7914 section 12
        "4265617574792069732074727574682c20747275746820626561757479",  # RFC 9180 A.1.1, sequence 0
    ]


def test_chromium_opens_and_refuses_the_bundles_as_python_does(page):
    vectors = make_vectors()
    results = page.evaluate("""async (vectors) => {
        const run = async (bundle, passphrase) => {
            try {
                return { share: await window.StationCustodian.openShareWithPassphrase(bundle, passphrase) };
            } catch (error) {
                return { name: error.name, reason: error.reason, message: error.message };
            }
        };
        const out = { opened: [], refused: [], malformed: [] };
        for (const v of vectors.opened) out.opened.push(await run(JSON.stringify(v.bundle), v.passphrase));
        for (const v of vectors.refused) out.refused.push(await run(JSON.stringify(v.bundle), v.passphrase));
        for (const v of vectors.malformed) out.malformed.push(await run(v.text, "any passphrase at all"));
        return out;
    }""", vectors)
    assert [r.get("share") for r in results["opened"]] == [v["share"] for v in vectors["opened"]], results["opened"]
    assert [(r.get("name"), r.get("reason")) for r in results["refused"]] == [
        ("CustodianSecretError", v["reason"]) for v in vectors["refused"]], json.dumps(results["refused"])
    assert {(r.get("name"), r.get("reason")) for r in results["malformed"]} == {("CustodianSecretError", "bundle")}
    wrong = next(r for r, v in zip(results["refused"], vectors["refused"], strict=True)
                 if v["reason"] == "wrong_passphrase")
    assert wrong["message"] == "wrong custodian passphrase"
