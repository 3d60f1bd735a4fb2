"""The sealed-quote API and the bidder's offline sealing tool: fetch the opening key, seal
on your own machine with `python -m bidding.seal`, submit the envelope (base64 in JSON or a
multipart file), get the receipt, and the clerk's opening with the custodians."""

import base64

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bidding import crypto, seal
from bidding.models import Bid, OpeningRecord
from trading import clock
from trading.models import Role

from .test_sealed_support import (  # noqa: F401  (fast_scrypt: autouse fixture)
    AFTER,
    BEFORE,
    DEADLINE,
    PASSPHRASES,
    fast_scrypt,
    quoting_round,
    run_seal,
    valid_uscc,
)

pytestmark = pytest.mark.django_db
VALID = valid_uscc(5)


def api(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_the_opening_key_is_public():
    r = quoting_round()
    body = api().get(f"/api/v1/transactions/{r.tx.code}/opening-key/").json()
    assert body == {"code": r.tx.code, "round": 1, "part": "offer", "origin": settings.LEDGER_ORIGIN,
                    "public_key": bytes(r.key.public_key).hex(), "suite": crypto.SUITE_NAME, "k": 2, "n": 3,
                    "envelope_size": 560, "quote_deadline": "2026-12-03T01:00:00.000000Z", "ledger_seq": None}
    assert api().get("/api/v1/transactions/JY-1999-0001/opening-key/").status_code == 404


def test_a_bidder_submits_an_envelope_in_json_and_gets_its_receipt():
    r = quoting_round()
    company, user = r.suppliers[0]
    envelope = r.seal(0, "76500.00")
    body = {"supplier": company.uscc, "envelope": base64.b64encode(envelope).decode()}
    with clock.frozen_at(BEFORE):
        first = api(user).post(f"/api/v1/transactions/{r.tx.code}/quotes/", body, format="json",
                               HTTP_IDEMPOTENCY_KEY="abc-1")
        again = api(user).post(f"/api/v1/transactions/{r.tx.code}/quotes/", body, format="json",
                               HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["commitment"] == crypto.commitment(envelope)
    assert first.json()["receipt"] == Bid.objects.get().receipt
    mine = api(user).get(f"/api/v1/transactions/{r.tx.code}/quotes/mine/").json()
    assert [q["commitment"] for q in mine] == [crypto.commitment(envelope)]
    receipt = api(user).get(f"/api/v1/transactions/{r.tx.code}/quotes/mine/receipt/",
                            {"commitment": crypto.commitment(envelope)})
    assert receipt.status_code == 200 and receipt.content.decode() == Bid.objects.get().receipt
    # No company identifier in the path (the access log records paths); another's commitment is a 404.
    other = api(r.suppliers[1][1]).get(f"/api/v1/transactions/{r.tx.code}/quotes/mine/receipt/",
                                       {"commitment": crypto.commitment(envelope)})
    assert other.status_code == 404


def test_a_bidder_submits_an_envelope_as_a_multipart_file():
    r = quoting_round()
    company, user = r.suppliers[1]
    upload = SimpleUploadedFile("quote.bin", r.seal(1, "1.00"), content_type="application/octet-stream")
    with clock.frozen_at(BEFORE):
        response = api(user).post(f"/api/v1/transactions/{r.tx.code}/quotes/",
                                  {"supplier": company.uscc, "envelope": upload}, format="multipart")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("envelope, says", [
    ("not base64!!", "not standard base64"),
    (base64.b64encode(b"x" * 100).decode(), "exactly 560 bytes"),
    ("", "send the envelope"),
])
def test_a_malformed_envelope_is_a_400_with_the_error_shape(envelope, says):
    r = quoting_round()
    company, user = r.suppliers[0]
    with clock.frozen_at(BEFORE):
        response = api(user).post(f"/api/v1/transactions/{r.tx.code}/quotes/",
                                  {"supplier": company.uscc, "envelope": envelope}, format="json")
    assert response.status_code == 400 and says in response.json()["error"]["message"]
    assert response.json()["error"]["code"] == "invalid_input"


def test_refusals_of_the_rules_are_422_naming_the_rule():
    r = quoting_round()
    company, user = r.suppliers[0]
    body = {"supplier": company.uscc, "envelope": base64.b64encode(r.seal(0, "1.00")).decode()}
    with clock.frozen_at(DEADLINE):
        late = api(user).post(f"/api/v1/transactions/{r.tx.code}/quotes/", body, format="json")
    assert late.status_code == 422 and late.json()["error"]["details"]["rule"] == "sealed.deadline"


def test_a_user_submits_only_for_a_supplier_it_represents():
    r = quoting_round()
    company, _user = r.suppliers[0]
    for user in (r.suppliers[1][1], r.world.clerk):
        with clock.frozen_at(BEFORE):
            response = api(user).post(f"/api/v1/transactions/{r.tx.code}/quotes/", {
                "supplier": company.uscc, "envelope": base64.b64encode(r.seal(0, "1.00")).decode()}, format="json")
        assert response.status_code == 403
    assert api().post(f"/api/v1/transactions/{r.tx.code}/quotes/", {}, format="json").status_code in (401, 403)


def test_the_clerk_opens_through_the_api_and_anyone_reads_the_record():
    r = quoting_round()
    for i, price in enumerate(("76500.00", "74980.50", "77210.00")):
        r.submit(i, price)
    before = api().get(f"/api/v1/transactions/{r.tx.code}/opening/").json()
    assert (before["closed"], before["openings"]) == (None, [])
    r.close()
    with clock.frozen_at(AFTER):
        closed = api().get(f"/api/v1/transactions/{r.tx.code}/opening/").json()
        assert closed["closed"]["count"] == 3 and closed["openings"] == []
        clerk_share = r.share(Role.CLERK)[1].hex()
        wrong = api(r.world.clerk).post(f"/api/v1/transactions/{r.tx.code}/opening/", {"shares": [
            {"username": r.world.clerk.username, "share": clerk_share},
            {"username": r.world.supervisor.username, "share": "ab" * 33}]}, format="json")
        assert wrong.status_code == 422
        assert wrong.json()["error"]["details"]["rule"] == "sealed.custodian_passphrase_wrong"
        passphrases = api(r.world.clerk).post(f"/api/v1/transactions/{r.tx.code}/opening/", {"secrets": [
            {"username": r.world.clerk.username, "passphrase": PASSPHRASES[Role.CLERK]}]}, format="json")
        assert passphrases.status_code == 400  # the server takes shares, never a passphrase
        response = api(r.world.clerk).post(f"/api/v1/transactions/{r.tx.code}/opening/", {"shares": [
            {"username": r.world.clerk.username, "share": clerk_share},
            {"username": r.world.supervisor.username, "share": r.share(Role.SUPERVISOR)[1].hex()}]},
            format="json")
    assert response.status_code == 200, response.json()
    [opening] = api().get(f"/api/v1/transactions/{r.tx.code}/opening/").json()["openings"]
    assert sorted(rec["price"] for rec in opening["records"]) == ["74980.50", "76500.00", "77210.00"]
    assert opening["custodians"] == ["王明", "赵刚"]


def test_an_unknown_custodian_name_is_a_400():
    r = quoting_round()
    r.close()
    with clock.frozen_at(AFTER):
        response = api(r.world.clerk).post(f"/api/v1/transactions/{r.tx.code}/opening/", {"shares": [
            {"username": "nobody-here", "share": "ab" * 33}]}, format="json")
    assert response.status_code == 400


# --- python -m bidding.seal (its checks of a fetched key: test_seal_keycheck.py) -------------------

def test_sealing_offline_with_the_public_key_then_submitting_then_opening(tmp_path):
    r = quoting_round()
    company, user = r.suppliers[0]
    out = tmp_path / "quote.bin"
    result = run_seal("--public-key", bytes(r.key.public_key).hex(), "--origin", settings.LEDGER_ORIGIN,
                      "--code", r.tx.code, "--supplier", company.uscc, "--price", "73519.46", "--out", str(out))
    assert result.returncode == 0, result.stderr
    envelope = out.read_bytes()
    assert len(envelope) == crypto.ENVELOPE_SIZE and crypto.commitment(envelope) in result.stdout
    assert "73519" not in result.stdout + result.stderr
    with clock.frozen_at(BEFORE):
        response = api(user).post(f"/api/v1/transactions/{r.tx.code}/quotes/", {
            "supplier": company.uscc, "envelope": base64.b64encode(envelope).decode()}, format="json")
    assert response.status_code == 201
    r.close()
    r.open()
    assert str(OpeningRecord.objects.get().price) == "73519.46"


@pytest.mark.parametrize("argv, says", [
    (["--supplier", "91320100000000001Y"], "not a valid unified social credit code"),
    (["--price", "12.345"], "at most two decimals"),
    (["--price", "-1"], "positive amount"),
    (["--public-key", "abcd"], "64 hexadecimal digits"),
])
def test_the_sealing_tool_refuses_mistakes_with_exit_status_2(tmp_path, argv, says):
    args = {"--public-key": "11" * 32, "--origin": "trading.localhost/ledger", "--code": "JY-2026-0001",
            "--supplier": VALID, "--price": "10.00", "--out": str(tmp_path / "q.bin")}
    args.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    code, stderr = _main([x for pair in args.items() for x in pair])
    assert code == 2 and says in stderr
    assert not (tmp_path / "q.bin").exists()


def _main(argv):
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = seal.main(argv)
    return code, err.getvalue()


def test_the_sealing_tool_does_not_overwrite_a_file(tmp_path):
    out = tmp_path / "q.bin"
    out.write_bytes(b"keep")
    code, stderr = _main(["--public-key", "11" * 32, "--origin", "o.example/ledger", "--code", "JY-2026-0001",
                          "--supplier", VALID, "--price", "1", "--out", str(out)])
    assert code == 2 and "exists" in stderr and out.read_bytes() == b"keep"


def test_the_tools_credit_code_check_agrees_with_the_platforms():
    from bidding.uscc import UsccError, uscc_check

    for code in [valid_uscc(n) for n in range(1, 300, 7)] + ["91320100000000001Y", VALID]:
        try:
            uscc_check(code)
            platform = True
        except UsccError:
            platform = False
        assert seal.uscc_is_valid(code) == platform, code


def test_a_key_url_that_is_not_a_key_is_a_usage_error():
    with pytest.raises(seal.UsageError, match="http"):
        seal.fetch_key("ftp://example.org/key")
