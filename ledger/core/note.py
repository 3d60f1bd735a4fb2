"""C2SP signed notes with Ed25519 keys (https://c2sp.org/signed-note), as Go's sumdb/note.

A note is UTF-8 text ending in a newline, a blank line, then signature lines
`— <key name> <base64(4-byte key hash || signature)>`. Checkpoints and bid receipts are
notes signed by the log's key, whose name is the log's origin. Keys travel as Go's
strings: the verifier key `<name>+<8 hex key hash>+<base64(0x01 || public key)>` and the
private key `PRIVATE+KEY+<name>+<8 hex>+<base64(0x01 || seed)>`.
"""

import base64
import binascii
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

__all__ = ["ALG_ED25519", "NoteError", "Signer", "Verifier", "is_valid_name", "key_hash", "open_note"]

ALG_ED25519 = 0x01
_SIG_PREFIX = "— "  # em dash U+2014, space
_MAX_SIGNATURES = 100  # the spec asks for at least 16; Go's limit
# Unicode White_Space (what Go's unicode.IsSpace tests): forbidden in key names.
_WHITE_SPACE = frozenset(
    map(chr, [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000])
)
_HASH_RE = re.compile(r"[0-9a-fA-F]{8}")  # Go parses it with strconv.ParseUint(s, 16, 32)
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(ValueError):
    """A malformed note or key, or a note without a valid signature by the expected key."""


def is_valid_name(name) -> bool:
    """Key names are non-empty and hold no Unicode space, no "+" and no control character."""
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(c in _WHITE_SPACE or c < " " for c in name)
        and _encodes(name)
    )


def key_hash(name: str, public_key_bytes: bytes) -> int:
    """The Ed25519 key ID: first 4 bytes, big-endian, of SHA-256(name || "\\n" || 0x01 || key)."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + bytes(public_key_bytes)).digest()
    return int.from_bytes(digest[:4], "big")


class Verifier:
    """One Ed25519 verifier key: a name, a key hash and a public key."""

    def __init__(self, name: str, public_key_bytes: bytes):
        if not is_valid_name(name):
            raise NoteError(f"invalid key name {name!r}: it must be non-empty, without spaces or '+'")
        public_key_bytes = bytes(public_key_bytes)
        if len(public_key_bytes) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")
        self.name = name
        self.public_key_bytes = public_key_bytes
        self.key_hash = key_hash(name, public_key_bytes)
        self._key = Ed25519PublicKey.from_public_bytes(public_key_bytes)

    @classmethod
    def from_string(cls, vkey: str) -> "Verifier":
        """Parse `<name>+<8 hex>+<base64(0x01 || public key)>`, checking the hash and algorithm."""
        if not isinstance(vkey, str):
            raise NoteError("a verifier key is a string")
        name, _, rest = vkey.partition("+")
        hash_hex, _, key64 = rest.partition("+")
        if not is_valid_name(name) or not _HASH_RE.fullmatch(hash_hex):
            raise NoteError(f"malformed verifier key {vkey!r}: expected <name>+<8 hex digits>+<base64 key>")
        key = _b64decode(key64)
        if not key:
            raise NoteError(f"malformed verifier key {vkey!r}: the key is not standard base64")
        if key[0] != ALG_ED25519:
            raise NoteError(f"verifier key {name}: unknown algorithm {key[0]:#04x} (only Ed25519, 0x01)")
        if len(key) != 33:
            raise NoteError(f"verifier key {name}: an Ed25519 public key is 32 bytes, got {len(key) - 1}")
        verifier = cls(name, key[1:])
        if verifier.key_hash != int(hash_hex, 16):
            raise NoteError(f"verifier key {name}: key hash {hash_hex} does not match the key")
        return verifier

    def verifier_key(self) -> str:
        return f"{self.name}+{self.key_hash:08x}+{_b64encode(bytes([ALG_ED25519]) + self.public_key_bytes)}"

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """Whether `sig` is this key's Ed25519 signature of `msg` (never raises on bytes)."""
        if len(sig) != 64:
            return False
        try:
            self._key.verify(bytes(sig), bytes(msg))
        except InvalidSignature:
            return False
        return True

    def __repr__(self):
        return f"Verifier({self.verifier_key()!r})"


class Signer:
    """An Ed25519 signing key with its name; signs notes."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey):
        if not is_valid_name(name):
            raise NoteError(f"invalid key name {name!r}: it must be non-empty, without spaces or '+'")
        self.name = name
        self._key = private_key
        self.public_key_bytes = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_hash = key_hash(name, self.public_key_bytes)

    @classmethod
    def generate(cls, name: str) -> "Signer":
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed32: bytes) -> "Signer":
        if len(seed32) != 32:
            raise NoteError("an Ed25519 seed is 32 bytes")
        return cls(name, Ed25519PrivateKey.from_private_bytes(bytes(seed32)))

    @classmethod
    def from_private_key_string(cls, s: str) -> "Signer":
        """Parse Go's `PRIVATE+KEY+<name>+<8 hex>+<base64(0x01 || seed)>`."""
        if not isinstance(s, str):
            raise NoteError("a private key is a string")
        parts = s.split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise NoteError("malformed private key: expected PRIVATE+KEY+<name>+<8 hex>+<base64 key>")
        _, _, name, hash_hex, key64 = parts
        if not is_valid_name(name) or not _HASH_RE.fullmatch(hash_hex):
            raise NoteError("malformed private key: bad name or key hash")
        key = _b64decode(key64)
        if not key or key[0] != ALG_ED25519 or len(key) != 33:
            raise NoteError("malformed private key: expected base64 of 0x01 and a 32-byte Ed25519 seed")
        signer = cls.from_seed(name, key[1:])
        if signer.key_hash != int(hash_hex, 16):
            raise NoteError(f"private key {name}: key hash {hash_hex} does not match the key")
        return signer

    def private_key_string(self) -> str:
        seed = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return f"PRIVATE+KEY+{self.name}+{self.key_hash:08x}+{_b64encode(bytes([ALG_ED25519]) + seed)}"

    def verifier_key(self) -> str:
        return f"{self.name}+{self.key_hash:08x}+{_b64encode(bytes([ALG_ED25519]) + self.public_key_bytes)}"

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.public_key_bytes)

    def sign(self, msg: bytes) -> bytes:
        """The raw 64-byte Ed25519 signature of msg."""
        return self._key.sign(bytes(msg))

    def sign_note(self, text: str) -> str:
        """The signed note: text, a blank line, and this key's signature line."""
        _check_text(text)
        sig = self.key_hash.to_bytes(4, "big") + self.sign(text.encode("utf-8"))
        return f"{text}\n{_SIG_PREFIX}{self.name} {_b64encode(sig)}\n"

    def __repr__(self):
        return f"Signer({self.verifier_key()!r})"


def open_note(note: bytes | str, verifier: Verifier) -> str:
    """The text of `note` if `verifier` has signed it; NoteError otherwise.

    As the spec and Go's note.Open: the text ends at the last blank line; signatures by
    other keys are ignored (even sharing the name or the hash, not both); a signature that
    names `verifier` must verify, and at least one must.
    """
    if isinstance(note, str):
        try:
            note = note.encode("utf-8")
        except UnicodeEncodeError:
            raise NoteError("malformed note: not valid UTF-8") from None
    note = bytes(note)
    try:
        decoded = note.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("malformed note: not valid UTF-8") from None
    if _CONTROL_RE.search(decoded):
        raise NoteError("malformed note: control characters other than newline are not allowed")
    split = decoded.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    text, sigs = decoded[: split + 1], decoded[split + 2 :]
    if not sigs or not sigs.endswith("\n"):
        raise NoteError("malformed note: the signature block must end with a newline")
    lines = sigs[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {_MAX_SIGNATURES} signatures")
    text_bytes = text.encode("utf-8")
    verified = False
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise NoteError(f"malformed note: not a signature line: {line[:60]!r}")
        name, _, sig64 = line[len(_SIG_PREFIX) :].partition(" ")
        sig = _b64decode(sig64)
        if not is_valid_name(name) or len(sig) < 5:
            raise NoteError(f"malformed note: bad signature line: {line[:60]!r}")
        if name != verifier.name or int.from_bytes(sig[:4], "big") != verifier.key_hash:
            continue  # somebody else's signature (a witness, an old key): not ours to judge
        if not verifier.verify(text_bytes, sig[4:]):
            raise NoteError(f"invalid signature for key {name}+{verifier.key_hash:08x}")
        verified = True
    if not verified:
        raise NoteError(f"note has no signature by {verifier.name}+{verifier.key_hash:08x}")
    return text


def _check_text(text: str) -> None:
    if not isinstance(text, str) or not text.endswith("\n"):
        raise NoteError("malformed note: the text must end with a newline")
    if not _encodes(text) or _CONTROL_RE.search(text):
        raise NoteError("malformed note: the text must be UTF-8 without control characters but newline")


def _encodes(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _b64encode(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _b64decode(s: str) -> bytes:
    # Standard base64 with padding, and only its canonical spelling: a string that decodes
    # to the same bytes as another one is refused (Go accepts non-zero padding bits).
    try:
        b = base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return b""
    return b if _b64encode(b) == s else b""
