"""`python -m bidding.seal --key-url` does not take the server's word for the opening key:
it checks it against the station's public ledger (the `opening_key.created` entry at
`ledger_seq`, exactly canonical, of this transaction and round, holding this key, and its
inclusion proof up to a checkpoint signed by the station's verifier key) before it seals.

The station here is the real one: its views answer through Django's test client, over a
real ledger (entries sequenced and checkpoints signed by the project's sequencer), and a
lying server is that station with one answer changed. The end-to-end test runs the tool
in a fresh interpreter without Django against a live server."""

import contextlib
import io
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from bidding import crypto, seal
from ledger.core.entry import leaf_hash
from ledger.core.jcs import canonical_bytes
from ledger.core.note import Signer
from ledger.models import Entry, PendingEntry
from ledger.sequencer import ledger_checkpoint_now, ledger_sequence_pending, ledger_sign_checkpoint
from ledger.signing import verifier_key
from trading import clock

from .test_sealed_support import (  # noqa: F401  (fast_scrypt: autouse fixture)
    BEFORE,
    fast_scrypt,
    quoting_round,
    run_seal,
)

pytestmark = pytest.mark.django_db
KEY_ENTRY = "opening_key.created"


class Station:
    """The station's public HTTP answers from its real views; `lies[path]` changes one
    answer's body as a lying server would (path without the query)."""

    def __init__(self):
        self.client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        self.lies = {}
        self.asked = []

    def get(self, url, *, limit, timeout=None):
        parts = urlsplit(url)
        self.asked.append(parts.path)
        response = self.client.get(parts.path, dict(parse_qsl(parts.query)))
        body = response.content
        if parts.path in self.lies:
            body = self.lies[parts.path](body)
        return response.status_code, body[:limit]

    def lie_json(self, path, **changes):
        self.lies[path] = lambda body: json.dumps({**json.loads(body), **changes}).encode()


@pytest.fixture
def station(monkeypatch):
    s = Station()
    monkeypatch.setattr(seal, "http_get", s.get)
    return s


@pytest.fixture
def published(sequenced):
    """A quoting round whose opening key the sequencer has placed and a checkpoint covers."""
    r = quoting_round()
    sequenced()
    return r


def another_key() -> str:
    return X25519PrivateKey.generate().public_key().public_bytes_raw().hex()


def key_path(r):
    return f"/api/v1/transactions/{r.tx.code}/opening-key/"


def key_seq(code) -> int:
    return Entry.objects.get(subject=code, kind=KEY_ENTRY).seq


def run(r, tmp_path, *extra, verifier=True):
    """seal.main in this process: (exit status, stdout, stderr, the envelope or None)."""
    out = tmp_path / "quote.bin"
    argv = ["--key-url", f"http://station.test{key_path(r)}", "--supplier", r.suppliers[0][0].uscc,
            "--price", "76500.00", "--out", str(out), *extra]
    if verifier:
        argv += ["--verifier-key", verifier_key()]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = seal.main(argv)
    return status, stdout.getvalue(), stderr.getvalue(), out.read_bytes() if out.exists() else None


def refused(result, *says):
    status, stdout, stderr, envelope = result
    assert status == 1, stderr
    assert envelope is None and "nothing was sealed" in stderr
    for text in says:
        assert text in stderr
    return stderr


# --- the key the ledger holds is sealed to ---------------------------------------------------------

def test_a_key_that_matches_the_ledger_is_sealed_and_what_was_checked_is_printed(station, published, tmp_path):
    r = published
    status, stdout, stderr, envelope = run(r, tmp_path)
    assert status == 0, stderr
    assert "WARNING" not in stderr
    seq = key_seq(r.tx.code)
    cp_size = int(APIClient().get("/ledger/checkpoint").content.split(b"\n")[1])
    assert f"entry seq {seq} ({KEY_ENTRY}, {r.tx.code}, round 1, written " in stdout
    assert f"checkpoint of tree size {cp_size}," in stdout
    assert verifier_key() in stdout and "given with --verifier-key" in stdout
    assert crypto.commitment(envelope) in stdout
    assert station.asked == [key_path(r), "/ledger/entries", "/ledger/checkpoint", "/ledger/proof/inclusion"]
    r.submit(0, envelope=envelope)
    r.close()
    assert str(r.open().records.get().price) == "76500.00"


def test_without_a_verifier_key_it_warns_that_the_key_came_from_the_same_server(station, published, tmp_path):
    status, stdout, stderr, envelope = run(published, tmp_path, verifier=False)
    assert status == 0 and envelope
    assert "WARNING: no --verifier-key given" in stderr and "trust on first use" in stderr
    assert verifier_key() in stderr
    assert "taken from the station itself" in stdout and verifier_key() in stdout
    assert station.asked[1] == "/ledger/key"


def test_the_verifier_key_may_be_given_in_a_file(station, published, tmp_path):
    (tmp_path / "key.txt").write_text(verifier_key() + "\n")
    assert run(published, tmp_path, "--verifier-key", str(tmp_path / "key.txt"), verifier=False)[0] == 0


# --- a server that lies is refused -----------------------------------------------------------------

def test_a_server_that_answers_another_public_key_than_the_ledgers_is_refused(station, published, tmp_path):
    other = another_key()
    station.lie_json(key_path(published), public_key=other)
    refused(run(published, tmp_path), f"seq {key_seq(published.tx.code)}", "data.public_key", other)


def _forged_entry(body: bytes, **data) -> bytes:
    entry = json.loads(body)
    entry["data"].update(data)
    return canonical_bytes(entry) + b"\n"


def test_a_server_that_also_forges_the_entry_is_refused_by_the_inclusion_proof(station, published, tmp_path):
    other = another_key()
    station.lie_json(key_path(published), public_key=other)
    station.lies["/ledger/entries"] = lambda body: _forged_entry(body[:-1], public_key=other)
    refused(run(published, tmp_path), "is for another entry")


def test_a_server_that_forges_the_entry_and_the_proofs_leaf_is_refused_by_the_signed_root(
        station, published, tmp_path):
    other = another_key()
    forged = _forged_entry(APIClient().get("/ledger/entries", {"start": key_seq(published.tx.code), "limit": 1})
                           .content[:-1], public_key=other)
    station.lie_json(key_path(published), public_key=other)
    station.lies["/ledger/entries"] = lambda body: forged
    station.lie_json("/ledger/proof/inclusion", leaf_hash=leaf_hash(forged[:-1]).hex())
    refused(run(published, tmp_path), "does not lead to the signed root")


def test_a_wrong_inclusion_proof_is_refused(station, published, tmp_path):
    def flip_first(body):
        proof = json.loads(body)
        assert proof["path"], "the log has more than one entry"
        proof["path"][0] = ("0" if proof["path"][0][0] != "0" else "1") + proof["path"][0][1:]
        return json.dumps(proof).encode()

    station.lies["/ledger/proof/inclusion"] = flip_first
    refused(run(published, tmp_path), "does not lead to the signed root")


def test_a_proof_of_another_index_is_refused(station, published, tmp_path):
    station.lie_json("/ledger/proof/inclusion", index=0)
    refused(run(published, tmp_path), "a proof of index 0")


def test_an_entry_of_another_kind_at_ledger_seq_is_refused(station, published, tmp_path):
    transition = Entry.objects.filter(subject=published.tx.code, kind="transition").order_by("seq").first().seq
    station.lie_json(key_path(published), ledger_seq=transition)
    refused(run(published, tmp_path), f"seq {transition}", 'its kind is "transition"', f'"{KEY_ENTRY}"')


def test_the_key_entry_of_another_transaction_at_ledger_seq_is_refused(station, published, tmp_path, sequenced):
    other = quoting_round(world=published.world)
    sequenced()
    station.lie_json(key_path(published), ledger_seq=key_seq(other.tx.code))
    refused(run(published, tmp_path), f'its subject is "{other.tx.code}"', f'"{published.tx.code}"')


def test_an_answer_for_another_round_than_the_entrys_is_refused(station, published, tmp_path):
    station.lie_json(key_path(published), round=2)
    refused(run(published, tmp_path), "its data.round is 1", "says 2")


def test_an_entry_that_is_not_exactly_canonical_is_refused(station, published, tmp_path):
    station.lies["/ledger/entries"] = lambda body: json.dumps(json.loads(body)).encode() + b"\n"
    refused(run(published, tmp_path), "not exactly an entry's canonical bytes")


def test_an_answer_of_another_transaction_than_the_url_names_is_refused(station, published, tmp_path, sequenced):
    other = quoting_round(world=published.world)
    sequenced()
    station.lies[key_path(published)] = lambda body: APIClient().get(key_path(other)).content
    refused(run(published, tmp_path), f"the key of '{other.tx.code}', not of '{published.tx.code}'")


def test_a_checkpoint_signed_by_another_key_than_the_verifier_key_is_refused(station, published, tmp_path):
    impostor = Signer.generate(settings.LEDGER_ORIGIN).verifier_key()
    refused(run(published, tmp_path, "--verifier-key", impostor, verifier=False), "is not signed by the verifier key")


def test_a_verifier_key_of_another_log_is_refused(station, published, tmp_path):
    other_log = Signer.generate("trading.elsewhere.example/ledger").verifier_key()
    refused(run(published, tmp_path, "--verifier-key", other_log, verifier=False),
            f"origin '{settings.LEDGER_ORIGIN}' is not the name")


# --- not placed yet ---------------------------------------------------------------------------------

def test_a_key_the_ledger_has_not_placed_yet_is_refused_with_try_again(station, tmp_path):
    r = quoting_round()  # recorded, not sequenced: ledger_seq is null
    assert APIClient().get(key_path(r)).json()["ledger_seq"] is None
    refused(run(r, tmp_path), "has not placed the opening key yet", "try again in a few seconds")
    assert station.asked == [key_path(r)]


def test_a_key_no_signed_checkpoint_covers_yet_is_refused_with_try_again(station, tmp_path):
    r = quoting_round()
    ledger_sequence_pending(batch=PendingEntry.objects.count() - 1)  # all but the key entry, signed
    ledger_sign_checkpoint()
    ledger_sequence_pending()  # the key entry, not yet in a checkpoint
    seq = key_seq(r.tx.code)
    refused(run(r, tmp_path), f"(tree size {seq}) does not cover seq {seq}", "try again")


# --- usage ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, says", [
    (["--verifier-key", "not-a-key"], "neither a verifier key nor a file"),
    (["--key-url", "http://station.test/somewhere/key.json"], "give it with --ledger-url"),
    (["--ledger-url", "ftp://station.test"], "--ledger-url must be an http(s) URL"),
])
def test_usage_errors_are_exit_status_2_and_fetch_nothing(station, tmp_path, argv, says):
    status, _out, stderr, envelope = run(quoting_round(), tmp_path, *argv, verifier=False)
    assert status == 2 and says in stderr and envelope is None
    assert station.asked == []


def test_the_checks_go_with_key_url_only(station, tmp_path):
    r = quoting_round()
    code, stderr = _main(["--public-key", bytes(r.key.public_key).hex(), "--origin", settings.LEDGER_ORIGIN,
                          "--code", r.tx.code, "--verifier-key", verifier_key(), "--supplier",
                          r.suppliers[0][0].uscc, "--price", "1", "--out", str(tmp_path / "q.bin")])
    assert code == 2 and "go with --key-url" in stderr


def _main(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        return seal.main(argv), err.getvalue()


@pytest.mark.parametrize("key_url, ledger_url, address", [
    ("https://s.example.gov.cn/api/v1/transactions/JY-2026-0001/opening-key/", None, "https://s.example.gov.cn"),
    ("https://s.example.gov.cn/station/api/v1/transactions/JY-2026-0001/opening-key/", None,
     "https://s.example.gov.cn/station"),
    ("https://s.example.gov.cn/api/v1/transactions/JY-2026-0001/opening-key/", "https://m.example.org/ledger/",
     "https://m.example.org"),
    ("https://s.example.gov.cn/api/v1/transactions/JY-2026-0001/opening-key/", "https://m.example.org",
     "https://m.example.org"),
])
def test_the_stations_address_is_the_key_urls_up_to_the_api_or_the_ledger_url(key_url, ledger_url, address):
    assert seal.station_address(key_url, ledger_url) == address


def test_the_quote_page_shows_the_command_with_a_verifier_key_and_says_what_it_checks():
    r = quoting_round()
    company, user = r.suppliers[0]
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    with clock.frozen_at(BEFORE):
        page = client.get(f"/bidding/quotes/{r.tx.code}/", {"company": company.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert f"--key-url http://testserver{key_path(r)}" in text and "--verifier-key VERIFIER_KEY" in text
    assert "checks the key against this round's opening-key entry (opening_key.created) in the station" in text
    assert "Without --verifier-key the tool takes the key from this server and warns you." in text


# --- end to end: a live station, the tool without Django --------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_end_to_end_the_tool_without_django_checks_a_live_station_then_the_quote_opens(
        ledger_transactional_db, live_server, tmp_path):
    r = quoting_round()
    ledger_checkpoint_now()
    company = r.suppliers[1][0]
    url = f"{live_server.url}{key_path(r)}"
    out = tmp_path / "q.bin"
    ok = run_seal("--key-url", url, "--verifier-key", verifier_key(), "--supplier", company.uscc.lower(),
                  "--price", "100", "--out", str(out))
    assert ok.returncode == 0, ok.stderr
    assert f"entry seq {key_seq(r.tx.code)} ({KEY_ENTRY}, {r.tx.code}" in ok.stdout and "WARNING" not in ok.stderr
    tofu = run_seal("--key-url", url, "--supplier", company.uscc, "--price", "1", "--out", str(tmp_path / "t.bin"))
    assert tofu.returncode == 0 and "trust on first use" in tofu.stderr and verifier_key() in tofu.stderr
    mismatch = run_seal("--key-url", url, "--code", "JY-2026-9999", "--supplier", company.uscc, "--price", "1",
                        "--out", str(tmp_path / "other.bin"))
    assert mismatch.returncode == 2 and "differs from the key" in mismatch.stderr
    r.submit(1, envelope=out.read_bytes())
    r.close()
    assert str(r.open().records.get().price) == "100.00"

