"""Signed notes: Go's sumdb/note known answers, and what a verifier must refuse."""

import base64
import json
from pathlib import Path

import pytest

from ledger.core.note import NoteError, Signer, Verifier, is_valid_name, key_hash, open_note

GO = json.loads((Path(__file__).parent / "kat" / "go_sumdb.json").read_text())["note"]
TEXT = GO["text"]
PETER_NOTE = TEXT + "\n" + GO["peter_sig_line"]


def test_go_keys_parse_and_print_back():
    peter = Verifier.from_string(GO["peter_vkey"])
    assert peter.name == "PeterNeumann" and peter.key_hash == 0xC74F20A3
    assert peter.verifier_key() == GO["peter_vkey"]
    signer = Signer.from_private_key_string(GO["peter_skey"])
    assert signer.private_key_string() == GO["peter_skey"]
    assert signer.verifier_key() == GO["peter_vkey"]
    assert key_hash("PeterNeumann", peter.public_key_bytes) == 0xC74F20A3
    enoch = Verifier.from_string(GO["enoch_vkey"])
    assert enoch.key_hash == 0xAF0CFE78


def test_signing_reproduces_go_sign():
    # Ed25519 is deterministic: the same key and text give Go's bytes exactly.
    assert Signer.from_private_key_string(GO["peter_skey"]).sign_note(TEXT) == PETER_NOTE


def test_open_accepts_go_notes_and_ignores_other_signers():
    peter = Verifier.from_string(GO["peter_vkey"])
    assert open_note(PETER_NOTE, peter) == TEXT
    assert open_note((TEXT + "\n" + GO["peter_sig_line"] + GO["enoch_sig_line"]).encode(), peter) == TEXT
    assert open_note(TEXT + "\n" + GO["enoch_sig_line"] + GO["peter_sig_line"], peter) == TEXT
    enoch = Verifier.from_string(GO["enoch_vkey"])
    assert open_note(TEXT + "\n" + GO["peter_sig_line"] + GO["enoch_sig_line"], enoch) == TEXT


def test_go_bad_messages_are_malformed():
    peter = Verifier.from_string(GO["peter_vkey"])
    sig = GO["peter_sig_line"]
    for bad in [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + sig[:-1],
        "\x01" + TEXT + "\n" + sig,
        TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + sig + "Unexpected line.\n",
        TEXT + "\n" + sig * 101,
    ]:
        with pytest.raises(NoteError):
            open_note(bad, peter)
    with pytest.raises(NoteError, match="UTF-8"):
        open_note(b"\xff" + (TEXT + "\n" + sig).encode(), peter)


def test_go_invalid_signature_is_refused():
    peter = Verifier.from_string(GO["peter_vkey"])
    sig = GO["peter_sig_line"]
    with pytest.raises(NoteError, match="invalid signature for key PeterNeumann\\+c74f20a3"):
        open_note(TEXT + "\n" + sig[:60] + "ABCD" + sig[60:], peter)


def test_only_other_signers_is_refused():
    peter = Verifier.from_string(GO["peter_vkey"])
    with pytest.raises(NoteError, match="no signature by PeterNeumann"):
        open_note(TEXT + "\n" + GO["enoch_sig_line"], peter)
    # Same name, other key hash; same hash, other name: both somebody else's.
    other_hash = GO["peter_sig_line"].replace("x08g", "xxxx")
    with pytest.raises(NoteError, match="no signature"):
        open_note(TEXT + "\n" + other_hash, peter)
    other_name = GO["peter_sig_line"].replace("PeterNeumann", "CarmenSandiego")
    with pytest.raises(NoteError, match="no signature"):
        open_note(TEXT + "\n" + other_name, peter)


def test_go_mangled_keys_are_refused():
    vkey, skey = GO["peter_vkey"], GO["peter_skey"]
    for key, parse in ((vkey, Verifier.from_string), (skey, Signer.from_private_key_string)):
        for i in range(len(key) + 1):
            for j in range(i + 1, len(key) + 1):
                if (i, j) != (0, len(key)):
                    with pytest.raises(NoteError):
                        parse(key[i:j])
        for i in range(len(key)):
            with pytest.raises(NoteError):
                parse(key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :])
    for bad in GO["bad_vkeys"]:  # a wrong-length key, an unknown algorithm (hashes adjusted)
        with pytest.raises(NoteError):
            Verifier.from_string(bad)


def test_sign_and_open_round_trip_with_a_fresh_key():
    signer = Signer.generate("trading.example-county.gov.cn/ledger")
    note = signer.sign_note("第一行\n\nsecond paragraph\n")
    assert note.endswith("\n") and "\n\n— trading.example-county.gov.cn/ledger " in note
    verifier = Verifier.from_string(signer.verifier_key())
    assert open_note(note, verifier) == "第一行\n\nsecond paragraph\n"
    again = Signer.from_private_key_string(signer.private_key_string())
    assert again.sign_note("x\n") == signer.sign_note("x\n")


def test_tampering_and_wrong_keys_are_caught():
    signer = Signer.generate("trading.localhost/ledger")
    verifier = signer.verifier()
    note = signer.sign_note("trading.localhost/ledger\n5\n" + base64.b64encode(bytes(32)).decode() + "\n")
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(note.replace("\n5\n", "\n6\n"), verifier)
    stranger = Signer.generate("trading.localhost/ledger")  # same name, another key
    with pytest.raises(NoteError, match="no signature"):
        open_note(note, stranger.verifier())
    renamed = Signer.from_seed("other.localhost/ledger", bytes(32))
    with pytest.raises(NoteError, match="no signature"):
        open_note(note, renamed.verifier())
    text_only = note[: note.rindex("\n\n") + 1]
    with pytest.raises(NoteError, match="no blank line"):
        open_note(text_only, verifier)
    with pytest.raises(NoteError):
        open_note(text_only + "\n", verifier)
    line = note[note.rindex("\n\n") + 2 :]
    spaced = line.replace("ledger ", "ledger  ")
    for broken in (line.replace("=\n", "\n"), spaced, line[:-10] + "!!!!!!!!=\n", line.replace("— ", "-- ")):
        with pytest.raises(NoteError):
            open_note(text_only + "\n" + broken, verifier)


def test_an_extra_unknown_signature_is_accepted():
    signer, witness = Signer.generate("trading.localhost/ledger"), Signer.generate("witness.example/w1")
    note = signer.sign_note("hello\n")
    cosigned = note + witness.sign_note("hello\n").split("\n\n", 1)[1]
    assert open_note(cosigned, signer.verifier()) == "hello\n"
    assert open_note(cosigned, witness.verifier()) == "hello\n"


def test_non_canonical_base64_is_refused():
    # The last character of a 68-byte signature carries 2 unused bits: flipping them gives
    # another spelling of the same bytes, which Go accepts; this note is refused.
    signer = Signer.from_seed("trading.localhost/ledger", bytes(range(32)))
    note = signer.sign_note("x\n")
    head, sig = note[:-1].rsplit(" ", 1)
    assert sig.endswith("=") and not sig.endswith("==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    respelled = sig[:-2] + alphabet[alphabet.index(sig[-2]) ^ 1] + "="
    assert base64.b64decode(respelled) == base64.b64decode(sig)
    assert open_note(note, signer.verifier()) == "x\n"
    with pytest.raises(NoteError):
        open_note(f"{head} {respelled}\n", signer.verifier())


def test_sign_note_needs_a_final_newline_and_no_control_characters():
    signer = Signer.generate("a")
    for bad in ("abc", "a\x01b\n", "tab\there\n"):
        with pytest.raises(NoteError):
            signer.sign_note(bad)


def test_key_names():
    for good in ("trading.localhost/ledger", "PeterNeumann", "交易站/ledger"):
        assert is_valid_name(good)
    for bad in ("", "a+b", "a b", "a\u3000b", "a\u2028b", "a\tb", "a\nb", "\ud800"):
        assert not is_valid_name(bad)
        with pytest.raises(NoteError):
            Signer.generate(bad)
