"""Reads of the trading domain: who sees which transactions."""

from django.db.models import Q

from .models import Role, Stage, Transaction

# Before registration a filing is between the purchaser and the station.
NOT_PUBLIC = (Stage.DRAFT, Stage.SUBMITTED, Stage.WITHDRAWN)


def public_transactions():
    return (
        Transaction.objects.exclude(stage__in=NOT_PUBLIC)
        .exclude(registered_at__isnull=True)
        .select_related("station", "unit")
        .order_by("-registered_at")
    )


def public_transaction(code):
    obj = public_transactions().filter(code=code).first()
    return obj.as_procedure() if obj else None


def visible_transactions(user):
    """Purchasers see their units' files; clerks their stations' files from submission on;
    supervisors everything at their stations; experts the transactions whose group they
    sit in; bidders those their company is invited to (what they see of them is narrower:
    selectors_inquiry)."""
    memberships = list(user.memberships.all())
    condition = Q(panel__user=user) | Q(invitations__company__representatives=user)
    for m in memberships:
        if m.role == Role.PURCHASER:
            condition |= Q(unit_id=m.unit_id)
        elif m.role == Role.CLERK:
            condition |= Q(station_id=m.station_id) & ~Q(stage=Stage.DRAFT)
        elif m.role == Role.SUPERVISOR:
            condition |= Q(station_id=m.station_id)
    return (Transaction.objects.filter(condition).distinct().select_related("station", "unit")
            .order_by("-created_at"))


def visible_transaction(user, code):
    obj = visible_transactions(user).filter(code=code).first()
    return obj.as_procedure() if obj else None


def awaiting_registration(user):
    stations = [m.station_id for m in user.memberships.all() if m.role == Role.CLERK]
    return (
        Transaction.objects.filter(station_id__in=stations, stage=Stage.SUBMITTED)
        .select_related("station", "unit")
        .order_by("submitted_at")
    )


def available_transitions(obj, user):
    """The django-fsm transitions from obj's current stage that `user` may perform.
    A move whose content rules fail is still offered: trying it says what is missing."""
    cls = type(obj)
    found = []
    for name in sorted(cls.transition_names()):
        transition = getattr(cls, name)._django_fsm.get_transition(obj.stage)
        if transition is None or transition.custom.get("system_only"):
            continue
        # Moves declared from any stage ('*') are bounded by their stage rules.
        if any(getattr(rule, "stage_rule", False) and not rule(obj) for rule in transition.conditions):
            continue
        if user is not None and transition.has_perm(obj, user):
            found.append(transition)
    return found
