"""`python -m bidding.custodian open-share`: a custodian opens its share of one round on
its own machine, from the bundle the station gives it, without Django."""

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bidding import crypto

ROOT = Path(__file__).resolve().parents[2]
CODE = "JY-2026-0001"
PASSPHRASE = "晨雾中的七棵银杏 / ginkgo 2046"
# The command in a fresh interpreter where importing Django fails: it needs none.
RUNNER = ("import runpy, sys; sys.modules['django'] = None; sys.argv = ['bidding.custodian'] + sys.argv[1:]; "
          "runpy.run_module('bidding.custodian', run_name='__main__')")


def run(*argv, stdin=""):
    return subprocess.run([sys.executable, "-c", RUNNER, *argv], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, timeout=120)


@pytest.fixture(scope="module")
def bundle():
    """The bundle of the custodian `user:19` for round 2 and the share it holds."""
    key = crypto.make_custodian_key(PASSPHRASE, label="user:19", log2_n=10)
    other = crypto.make_custodian_key("another passphrase 11", label="user:20", log2_n=10)
    _public_key, sealed = crypto.make_opening_key(CODE, 2, "offer", [other.public_key, key.public_key], 2)
    index, sealed_share, digest = sealed[1]
    data = crypto.bundle_dict(code=CODE, round_seq=2, part="offer", index=index, label="user:19", key=key,
                              sealed_share=sealed_share, share_sha256=digest)
    share = crypto.open_share_with_passphrase(crypto.parse_bundle(json.dumps(data)), PASSPHRASE)
    return data, share


@pytest.fixture
def files(tmp_path, bundle):
    data, share = bundle
    (tmp_path / "bundle.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    (tmp_path / "passphrase.txt").write_text(PASSPHRASE + "\n", encoding="utf-8")
    return tmp_path, share


def test_open_share_with_a_passphrase_file_prints_the_share_and_its_digest(files):
    folder, share = files
    result = run("open-share", str(folder / "bundle.json"), "--passphrase-file", str(folder / "passphrase.txt"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"share: {share.hex()}" in lines
    assert f"share SHA-256: {crypto.share_digest(share)}" in result.stdout
    assert "share 2 of JY-2026-0001, round 2 (offer), custodian user:19" in lines[0]
    assert PASSPHRASE not in result.stdout + result.stderr


def test_a_wrong_passphrase_exits_1_with_the_reason(files):
    folder, _share = files
    (folder / "wrong.txt").write_text("晨雾中的七棵银杏 / ginkgo 2047\n", encoding="utf-8")
    result = run("open-share", str(folder / "bundle.json"), "--passphrase-file", str(folder / "wrong.txt"))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: wrong custodian passphrase"
    assert "share:" not in result.stdout


def test_a_bundle_that_is_not_one_exits_1_with_the_reason(files):
    folder, _share = files
    data = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))
    (folder / "bad.json").write_text(json.dumps({**data, "round": 0}), encoding="utf-8")
    result = run("open-share", str(folder / "bad.json"), "--passphrase-file", str(folder / "passphrase.txt"))
    assert result.returncode == 1 and "the share bundle names no share: the round" in result.stderr
    result = run("open-share", str(folder / "missing.json"), "--passphrase-file", str(folder / "passphrase.txt"))
    assert result.returncode == 1 and "cannot read the bundle" in result.stderr


def test_a_share_that_is_not_the_published_one_exits_1(files):
    folder, _share = files
    data = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))
    (folder / "other.json").write_text(json.dumps({**data, "share_sha256": "ab" * 32}), encoding="utf-8")
    result = run("open-share", str(folder / "other.json"), "--passphrase-file", str(folder / "passphrase.txt"))
    assert result.returncode == 1 and "not the one published" in result.stderr


def test_no_command_is_a_usage_error():
    assert run().returncode == 2


def test_the_passphrase_is_asked_for_on_the_terminal_without_echo(files):
    folder, share = files
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty, as a custodian's would be
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-c", RUNNER, "open-share", str(folder / "bundle.json")])
    output = b""
    deadline = time.monotonic() + 60

    def read_until(marker: bytes) -> None:
        nonlocal output
        while marker not in output:
            assert time.monotonic() < deadline, output
            ready, _, _ = select.select([fd], [], [], 1)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child has exited
                    chunk = b""
                assert chunk, output
                output += chunk

    try:
        read_until(b"passphrase (not shown): ")
        os.write(fd, PASSPHRASE.encode() + b"\n")
        read_until(b"It opens this round only.")
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # the child this test started, stuck: do not wait for it
        raise
    finally:
        _pid, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, output
    text = output.decode()
    assert f"share: {share.hex()}" in text
    assert PASSPHRASE not in text  # not echoed
