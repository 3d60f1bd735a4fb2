"""The API's JSON parser: DRF's, refusing with a 400 what it would otherwise let through to a
500 later: a lone surrogate such as "\\ud800" (valid JSON escape, but no character: it cannot
be stored, ledgered or even sent back in an error message), a NUL ("\\u0000": PostgreSQL
cannot hold it; forms and addresses are refused the same by trading.middleware) and nesting
deep enough to exhaust Python's recursion limit."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error: nested too deeply")) from None
        bad = _bad_text(data)
        if bad == "surrogate":
            raise ParseError(_("JSON parse error: the text contains an invalid character (a lone surrogate)"))
        if bad == "nul":
            raise ParseError(_("The request contains a NUL character (\\0), which no address or form field may hold."))
        return data


def _bad_text(data) -> str | None:
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "surrogate"
            if "\x00" in item:
                return "nul"
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None
