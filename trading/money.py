"""Money: yuan as Decimal with exactly two places; never float."""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .errors import InvalidInput

MAX_AMOUNT = Decimal("999999999999.99")  # DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")


_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # ASCII digits: no exponent, sign, "_" or other scripts


def parse_yuan(value, *, field: str) -> Decimal:
    """Parse '128000', '128,000.00', '¥128000' or a Decimal into yuan; refuse what is not money
    written plainly (exponents such as 1e9, signs, NaN, more than two decimal places)."""
    if isinstance(value, float):
        raise InvalidInput(_("%(field)s must be given as a decimal string, not a float") % {"field": field})
    not_money = InvalidInput(_("%(field)s must be an amount in yuan, e.g. 128000.00") % {"field": field}, field=field)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise not_money
        value = f"{value:f}"
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
    text = text.removeprefix("¥").removeprefix("￥").strip()
    if not _DECIMAL.fullmatch(text):
        raise not_money
    whole, _point, fraction = text.partition(".")
    if len(whole.lstrip("0")) > len(str(int(MAX_AMOUNT))):
        raise _too_large(field)
    amount = Decimal(text)
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise InvalidInput(
            _("%(field)s has at most two decimal places (fen)") % {"field": field}, field=field
        )
    if amount <= 0:
        raise InvalidInput(_("%(field)s must be greater than zero") % {"field": field}, field=field)
    if amount > MAX_AMOUNT:
        raise _too_large(field)
    return amount.quantize(CENT)


def _too_large(field):
    return InvalidInput(
        _("%(field)s is larger than the platform accepts (%(max)s yuan)") % {"field": field, "max": f"{MAX_AMOUNT:,.2f}"},
        field=field,
    )


def format_yuan(amount) -> str:
    return f"{Decimal(amount):,.2f}"
