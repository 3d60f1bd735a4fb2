"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters from the 31-character set 0-9 A-Z without I, O, Z, S, V:

    position 1     registration authority (登记管理部门): 1-9, A, N, Y
    position 2     organisation type (机构类别)
    positions 3-8  administrative division (登记管理机关行政区划码): digits
    positions 9-17 organisation code (主体标识码, GB 11714)
    position 18    check character: weights 3^i mod 31, C18 = 31 - (sum mod 31)

`uscc_check(code)` returns the normalised code or raises `UsccError` saying precisely
what is wrong (translated). Normalising: full-width characters typed with a Chinese input
method become ASCII (NFKC), letters upper case, spaces and hyphens removed.

Position 2 is checked only for being a digit 1-9 (every organisation type of the
standard's table is one); the GB 11714 check character inside positions 9-17 is not
checked, since the standard's own check character (18th) already covers the whole code.
"""

import unicodedata

from django.utils.translation import gettext as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(CHARSET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
AUTHORITIES = set("123456789ANY")
ORGANISATION_TYPES = set("123456789")
NOT_USED = set("IOZSV")


class UsccError(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def check_character(first17: str) -> str:
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def uscc_check(code: str) -> str:
    rule = _("unified social credit code (GB 32100-2015)")
    text = unicodedata.normalize("NFKC", code if isinstance(code, str) else str(code or ""))
    text = "".join(text.split()).replace("-", "").upper()
    if not text:
        raise UsccError(_("%(rule)s: enter the 18-character code") % {"rule": rule})
    if len(text) != 18:
        raise UsccError(_("%(rule)s: a code has 18 characters, this one has %(n)d") % {"rule": rule, "n": len(text)})
    for position, ch in enumerate(text, start=1):
        if ch not in VALUES:
            if ch in NOT_USED:
                detail = _("the letters I, O, Z, S and V are not used")
            else:
                detail = _("only digits and capital letters are used")
            raise UsccError(_("%(rule)s: character %(position)d “%(ch)s” is not allowed (%(detail)s)")
                            % {"rule": rule, "position": position, "ch": ch, "detail": detail})
    if text[0] not in AUTHORITIES:
        raise UsccError(_("%(rule)s: character 1 “%(ch)s” is not a registration authority code (1-9, A, N, Y)")
                        % {"rule": rule, "ch": text[0]})
    if text[1] not in ORGANISATION_TYPES:
        raise UsccError(_("%(rule)s: character 2 “%(ch)s” is not an organisation type code (a digit 1-9)")
                        % {"rule": rule, "ch": text[1]})
    if not text[2:8].isdigit():
        raise UsccError(_("%(rule)s: characters 3-8 are the administrative division code and are digits, "
                          "given “%(part)s”") % {"rule": rule, "part": text[2:8]})
    expected = check_character(text[:17])
    if text[17] != expected:
        raise UsccError(_("%(rule)s: the check character (18th) should be “%(expected)s” for this code, "
                          "given “%(given)s”; a character was probably mistyped")
                        % {"rule": rule, "expected": expected, "given": text[17]})
    return text
