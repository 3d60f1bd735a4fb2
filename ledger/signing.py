"""The log's signing key: a C2SP note private key kept in a file outside the database
(LEDGER.md section 5). Its name must be the log's origin."""

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .core.note import Signer

_cache = {}


class SigningKeyMissing(ImproperlyConfigured):
    pass


def create_signing_key(path: Path, origin: str) -> Signer:
    """Write a new key file (mode 0600); refuses to overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = Signer.generate(origin)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.private_key_string() + "\n")
    return signer


def get_signer() -> Signer:
    path = Path(settings.LEDGER_SIGNING_KEY_FILE)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise SigningKeyMissing(
            f"The ledger signing key file {path} does not exist: "
            "create it with `python manage.py ledger_keygen`."
        ) from None
    key = (str(path), stat.st_mtime_ns, settings.LEDGER_ORIGIN)
    signer = _cache.get(key)
    if signer is None:
        signer = Signer.from_private_key_string(path.read_text().strip())
        if signer.name != settings.LEDGER_ORIGIN:
            raise ImproperlyConfigured(
                f"The signing key in {path} is named {signer.name!r} but LEDGER_ORIGIN is "
                f"{settings.LEDGER_ORIGIN!r}; a checkpoint's key name must be the origin."
            )
        _cache.clear()
        _cache[key] = signer
    return signer


def verifier_key() -> str:
    return get_signer().verifier_key()
