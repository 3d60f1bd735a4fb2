"""static/js/custodian.js gives the share bidding/crypto.py gives, for fresh vectors
(tests/js/make_vectors.py) run through Node's test runner; and the committed vectors,
which the JavaScript tests use when run by hand, still hold for Python."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bidding import crypto

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NODE = shutil.which("node")


def node_major() -> int:
    done = subprocess.run([NODE, "--version"], capture_output=True, text=True, timeout=30)
    return int(done.stdout.strip().lstrip("v").split(".")[0])


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed: the JavaScript tests need node >= 20")
def test_the_javascript_opens_and_refuses_as_python_does(tmp_path):
    if node_major() < 20:
        pytest.skip("Node.js older than 20: its WebCrypto has no X25519")
    vectors = tmp_path / "vectors.json"
    made = subprocess.run([sys.executable, str(HERE / "make_vectors.py"), "--out", str(vectors)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    done = subprocess.run([NODE, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "CUSTODIAN_VECTORS": str(vectors)})
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
    # Every vector was run (the runner counts one test per bundle, refusal and malformed text).
    data = json.loads(vectors.read_text(encoding="utf-8"))
    passed = int(done.stdout.split("# pass ", 1)[1].split()[0])
    assert passed >= len(data["opened"]) + len(data["refused"]) + len(data["malformed"])


def test_the_committed_vectors_still_hold_for_python():
    data = json.loads((HERE / "vectors.json").read_text(encoding="utf-8"))
    for vector in data["opened"]:
        share = crypto.open_share_with_passphrase(crypto.parse_bundle(json.dumps(vector["bundle"])),
                                                  vector["passphrase"])
        assert share.hex() == vector["share"], vector["name"]
    for vector in data["refused"]:
        with pytest.raises(crypto.CustodianSecretError):
            crypto.open_share_with_passphrase(crypto.parse_bundle(json.dumps(vector["bundle"])), vector["passphrase"])
    for vector in data["malformed"]:
        with pytest.raises(crypto.CustodianSecretError):
            crypto.parse_bundle(vector["text"])
    for vector in data["share_info"]:
        assert crypto.share_info(*vector["args"]).hex() == vector["info"]
    for vector in data["normalise_passphrase"]:
        assert crypto.normalise_passphrase(vector["typed"]) == vector["normalised"]
