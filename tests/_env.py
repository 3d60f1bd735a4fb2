"""Loaded as a pytest plugin (`-p tests._env`, see pyproject.toml) before Django reads
its settings: the run's signing key, media and test database files go into a temporary
folder, the embedded defaults apply (no broker: tasks run in-process) and custodian keys
are made with a lower scrypt cost."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

RUN_DIR = Path(tempfile.mkdtemp(prefix="station-tests-"))
atexit.register(shutil.rmtree, RUN_DIR, True)

os.environ["STATION_VAR_DIR"] = str(RUN_DIR / "var")
os.environ["LEDGER_SIGNING_KEY_FILE"] = str(RUN_DIR / "keys" / "ledger.key")
os.environ["MEDIA_ROOT"] = str(RUN_DIR / "media")
# New custodian keys with scrypt N = 2**14 instead of 2**17: the same code, a faster suite.
os.environ["CUSTODIAN_SCRYPT_LOG2_N"] = "14"
for name in ("CELERY_BROKER_URL", "STATION_MODE", "DJANGO_DEBUG", "LEDGER_ORIGIN"):
    os.environ.pop(name, None)
