"""Template helpers of sealed offers: an opening record's reason in the reader's language."""

from django import template

from ..services.openings import reason_label as _reason_label

register = template.Library()


@register.filter
def reason_label(reason):
    return _reason_label(reason) if reason else ""
