"""A supervisor's round trip: download the published log over HTTP, check it offline,
download again later and prove the history was only extended."""

import io

import pytest
from django.conf import settings
from django.db import transaction

from ledger.fetch import fetch
from ledger.recording import actor, ledger_record
from ledger.signing import verifier_key
from ledger.verify import verify_files

pytestmark = pytest.mark.usefixtures("ledger_transactional_db")


def record(n):
    with transaction.atomic():
        for i in range(n):
            ledger_record(kind="note", subject="JY-2026-0001", actor=actor("clerk", "王明"), data={"i": i})


def test_download_and_verify_offline_then_again_with_the_old_checkpoint(live_server, tmp_path):
    record(1200)  # more than one page of /ledger/entries
    folder = str(tmp_path / "export")
    assert fetch(live_server.url, folder, out=io.StringIO()) == 1200
    key = verifier_key()
    assert (tmp_path / "export" / "key.served").read_text().strip() == key
    report = verify_files(f"{folder}/entries.jsonl", key, f"{folder}/checkpoint", workers=1)
    assert report.ok, report.summary()
    record(5)
    fetch(live_server.url, folder, out=io.StringIO())
    report = verify_files(f"{folder}/entries.jsonl", key, f"{folder}/checkpoint", f"{folder}/checkpoint.old",
                          workers=1)
    assert report.ok, report.summary()
    assert report.entries == 1205 and report.old.size == 1200
    assert settings.LEDGER_ORIGIN in report.summary()
