"""Text from users, made fit for records and the ledger: Unicode NFC (LEDGER.md section
3 requires normalising on input), trimmed, without control characters, within length."""

import unicodedata

from django.utils.translation import gettext as _

from .errors import InvalidInput


def clean_text(value, *, field: str, max_length: int, required: bool = True,
               multiline: bool = False) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    allowed = {"\n", "\t"} if multiline else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise InvalidInput(_("%(field)s contains control characters") % {"field": field}, field=field)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise InvalidInput(_("%(field)s contains invalid characters") % {"field": field}, field=field)
    if required and not text:
        raise InvalidInput(_("%(field)s is required") % {"field": field}, field=field)
    if len(text) > max_length:
        raise InvalidInput(
            _("%(field)s is too long: at most %(max)d characters (given %(given)d)")
            % {"field": field, "max": max_length, "given": len(text)},
            field=field,
        )
    return text
