"""Forming a panel (inquiry group 询价小组, evaluation committee 评标委员会) from a verifiable
draw of experts, with the purchaser's representatives the procedure allows.

The procedure gives the numbers of its rule set (minimum size, odd, share of experts)
and where they come from; the panel's names stay secret until the result (the draw's
reveal publishes them then). The ledger gets the composition only.
"""

from fractions import Fraction

from django.utils.translation import gettext as _

from trading.errors import InvalidInput, RuleViolation
from trading.models import Role, User
from trading.text import records_by_ids

from ..models import Draw, DrawPurpose, PanelMember, PanelRole
from .draws import draw_selected_entries


def experts_draw(transaction) -> Draw | None:
    return Draw.objects.filter(transaction_id=transaction.pk, round=transaction.round,
                               purpose=DrawPurpose.EXPERTS).first()


def experts_drawn(transaction) -> bool:
    draw = experts_draw(transaction)
    return draw is not None and draw.performed_at is not None


def panel_form(*, transaction, purchaser_reps, min_size: int, expert_share: Fraction, source: str,
               rule_prefix: str) -> dict:
    """Seat the drawn experts and the named purchaser's representatives (user ids or
    users). Refuses a panel that is even, too small or has too few experts; returns the
    composition for the ledger: {"group_size", "experts", "draw"}."""
    draw = experts_draw(transaction)
    if draw is None or not draw.performed_at:
        raise RuleViolation(
            _("the panel's experts are drawn at random from the station's expert pool before the panel is formed "
              "(%(source)s): announce the draw and wait for the next checkpoint") % {"source": source},
            rule=f"{rule_prefix}.experts_drawn")
    entries = draw_selected_entries(draw)
    experts = [entry.user for entry in entries]
    reps = records_by_ids(User.objects.all(), purchaser_reps, field=_("purchaser's representatives"))
    for rep in reps:
        if not rep.memberships.filter(role=Role.PURCHASER, unit_id=transaction.unit_id).exists():
            raise InvalidInput(_("%(name)s does not represent %(unit)s")
                               % {"name": rep.ledger_name(), "unit": transaction.unit})
        if rep in experts:
            raise RuleViolation(_("a purchaser's representative cannot also sit as an expert"),
                                rule=f"{rule_prefix}.purchaser_not_expert")
    size = len(experts) + len(reps)
    if size < min_size or size % 2 == 0:
        raise RuleViolation(
            _("%(text)s (%(source)s)") % {
                "text": _("the panel has an odd number of members, at least %(min)d: it would have %(size)d")
                % {"min": min_size, "size": size}, "source": source},
            rule=f"{rule_prefix}.group_size")
    if len(experts) * expert_share.denominator < expert_share.numerator * size:
        raise RuleViolation(
            _("%(text)s (%(source)s)") % {
                "text": _("experts are at least %(share)s of the panel: %(experts)d of %(size)d")
                % {"share": f"{expert_share.numerator}/{expert_share.denominator}", "experts": len(experts),
                   "size": size}, "source": source},
            rule=f"{rule_prefix}.expert_share")
    for entry in entries:
        PanelMember.objects.create(transaction_id=transaction.pk, round=transaction.round, user=entry.user,
                                   role=PanelRole.EXPERT, pool_entry=entry)
    for rep in reps:
        PanelMember.objects.create(transaction_id=transaction.pk, round=transaction.round, user=rep,
                                   role=PanelRole.PURCHASER_REP)
    return {"group_size": size, "experts": len(experts), "draw": draw.commitment}
