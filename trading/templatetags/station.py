"""Template helpers: money in yuan, ledger entries told in words, role and stage names."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import registry
from ..models import Role, Stage
from ..services.transitions import action_label

register = template.Library()


@register.filter
def yuan(value):
    """1234567.5 -> ¥1,234,567.50"""
    try:
        return f"¥{Decimal(value):,.2f}"
    except (InvalidOperation, TypeError, ValueError):
        return value


@register.filter
def role_name(role):
    try:
        return Role(role).label
    except ValueError:
        return _("system") if role == "system" else role


# The names the platform records for its own moves (actor role "system"): shown in the
# reader's language; the ledger keeps the recorded name.
SYSTEM_ACTORS = {"scheduler": gettext_lazy("scheduler"), "platform": gettext_lazy("platform")}


@register.filter
def actor_name(actor):
    """An entry's actor as a person reads it: the platform's own names translated."""
    name = actor.get("name", "") if isinstance(actor, dict) else ""
    if isinstance(actor, dict) and actor.get("role") == "system":
        return SYSTEM_ACTORS.get(name, name)
    return name


def stage_name(stage, transaction_type=None):
    if stage is None:
        return "—"
    procedure = registry.find(transaction_type)
    if procedure is not None and stage in procedure.machine.STAGES:
        return procedure.machine.STAGES[stage]
    try:
        return Stage(stage).label
    except ValueError:
        return stage


@register.filter
def stage_label(stage, transaction_type=None):
    return stage_name(stage, transaction_type)


@register.filter
def entry_summary(entry):
    """One line saying what an entry records, in the reader's language."""
    data = entry["data"]
    kind = entry["kind"]
    if kind == "transition":
        return _("%(action)s: %(from)s → %(to)s") % {
            "action": action_label(data.get("action"), data.get("type")),
            "from": stage_name(data.get("from"), data.get("type")),
            "to": stage_name(data.get("to"), data.get("type")),
        }
    if kind == "document.attached":
        return _("document attached: %(name)s") % {"name": data.get("name", "")}
    if kind == "notice.published":
        return _("notice published: %(title)s") % {"title": data.get("title", "")}
    if kind == "bids.closed":
        return _("bids closed: %(count)s sealed quotes") % {"count": data.get("count", "?")}
    return _(registry.entry_label(kind))


@register.filter
def get_item(mapping, key):
    """{{ mapping|get_item:key }} for dictionaries keyed by ids."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
