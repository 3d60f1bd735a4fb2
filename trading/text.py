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


MAX_ID = 2**63 - 1  # the largest record number either database stores (BigAutoField)


def clean_id(value, *, field: str) -> int:
    """A record number posted by a form or an API client: a whole number 1 .. MAX_ID written
    with ASCII digits (an int, or its text). Anything else is refused naming the field, before
    it reaches a query (where a word raises ValueError and a huge number OverflowError)."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, int) and not isinstance(text, bool):
        number = text
    elif isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)):
        number = int(text)
    else:
        number = 0
    if not 1 <= number <= MAX_ID:
        raise InvalidInput(_("%(field)s: choose from the list (not a record number)") % {"field": field}, field=field)
    return number


def clean_ids(values, *, field: str) -> list[int]:
    """Record numbers, each as `clean_id` wants it, without repeats, in the order given."""
    if isinstance(values, str | int) or not hasattr(values, "__iter__"):
        values = [values]
    seen = {}
    for value in values:
        seen.setdefault(clean_id(value, field=field), None)
    return list(seen)


def records_by_ids(queryset, values, *, field: str) -> list:
    """The records of `queryset` numbered `values` (records given as such pass through), in the
    order given; a number that names no record is refused, not silently left out."""
    if isinstance(values, str | int) or not hasattr(values, "__iter__"):
        values = [values]
    values = list(values)
    instances = [v for v in values if isinstance(v, queryset.model)]
    numbers = clean_ids([v for v in values if not isinstance(v, queryset.model)], field=field)
    found = queryset.in_bulk(numbers) if numbers else {}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise InvalidInput(_("%(field)s: no such record: %(numbers)s")
                           % {"field": field, "numbers": ", ".join(str(n) for n in missing)}, field=field)
    records = {}
    for record in instances + [found[n] for n in numbers]:
        records.setdefault(record.pk, record)
    return list(records.values())
