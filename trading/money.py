"""Money: yuan as Decimal with exactly two places; never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .errors import InvalidInput

MAX_AMOUNT = Decimal("999999999999.99")  # DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")


def parse_yuan(value, *, field: str) -> Decimal:
    """Parse '128000', '128,000.00' or a Decimal into yuan; refuse what is not money."""
    if isinstance(value, float):
        raise InvalidInput(_("%(field)s must be given as a decimal string, not a float") % {"field": field})
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
    text = text.removeprefix("¥").removeprefix("￥").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(
            _("%(field)s must be an amount in yuan, e.g. 128000.00") % {"field": field}, field=field
        ) from None
    if not amount.is_finite():
        raise InvalidInput(_("%(field)s must be an amount in yuan, e.g. 128000.00") % {"field": field})
    if amount <= 0:
        raise InvalidInput(_("%(field)s must be greater than zero") % {"field": field}, field=field)
    if amount > MAX_AMOUNT:  # before quantize, which cannot handle huge exponents (1e999)
        raise InvalidInput(
            _("%(field)s is larger than the platform accepts (%(max)s yuan)")
            % {"field": field, "max": f"{MAX_AMOUNT:,.2f}"},
            field=field,
        )
    if amount.as_tuple().exponent < -10:  # e.g. 1e-999: certainly more than two decimals
        raise InvalidInput(
            _("%(field)s has at most two decimal places (fen)") % {"field": field}, field=field
        )
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise InvalidInput(
            _("%(field)s has at most two decimal places (fen)") % {"field": field}, field=field
        )
    if amount <= 0:
        raise InvalidInput(_("%(field)s must be greater than zero") % {"field": field}, field=field)
    if amount > MAX_AMOUNT:
        raise InvalidInput(
            _("%(field)s is larger than the platform accepts (%(max)s yuan)")
            % {"field": field, "max": f"{MAX_AMOUNT:,.2f}"},
            field=field,
        )
    return amount.quantize(CENT)


def format_yuan(amount) -> str:
    return f"{Decimal(amount):,.2f}"
