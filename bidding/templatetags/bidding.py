"""Template helpers of sealed offers: an opening record's reason in the reader's language,
and what a page tells its user about its custodian key (for pages of other layers)."""

from django import template

from .. import selectors_sealed
from ..services.openings import reason_label as _reason_label

register = template.Library()


@register.filter
def reason_label(reason):
    return _reason_label(reason) if reason else ""


@register.simple_tag
def custodian_status(user):
    """`{% custodian_status user as custodian %}`: None unless `user` is a custodian or may be
    named one (bidding.selectors_sealed.custodian_status)."""
    return selectors_sealed.custodian_status(user)
