"""The core and the offline verifier run without Django: an outside verifier has only these files."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_and_verifier_import_no_django():
    code = (
        "import ledger, ledger.verify, ledger.core.jcs, ledger.core.entry, ledger.core.merkle, "
        "ledger.core.note, ledger.core.checkpoint; import sys; "
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if m.startswith('django'))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_core_imports_only_the_standard_library_and_cryptography():
    code = (
        "import sys; before = set(sys.modules); "
        "import ledger.verify; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "extra = new - set(sys.stdlib_module_names) - {'ledger', 'cryptography', '_cffi_backend', '_openssl', '__mp_main__'}; "
        "assert not extra, extra"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
