"""Reads of the trading domain: who sees which transactions."""

from django.db.models import Q

from . import registry, rules
from .models import Document, DocumentPurpose, Notice, Role, Stage, Transaction

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
    supervisors everything at their stations; and whoever another layer registers (e.g.
    `bidding`: experts the transactions whose panel they sit in, bidders those their
    company is admitted to; what they see of them is narrower, per procedure)."""
    memberships = list(user.memberships.all())
    condition = Q(pk__in=[])
    for extra in registry.visibility_conditions(user):
        condition |= extra
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


def transition_of(obj, action):
    """The django-fsm transition `action` from obj's current stage, or None."""
    if action not in type(obj).transition_names():
        return None
    return getattr(type(obj), action)._django_fsm.get_transition(obj.stage)


def transition_marked(obj, mark):
    """The move from obj's current stage whose transition is marked `custom[mark]` (e.g. the
    procedure's move that opens the bids: "opens_bids"), or None. Of two such moves from
    one stage (a fork, e.g. one envelope or two), the one whose stage rules hold."""
    for name in sorted(type(obj).transition_names()):
        move = transition_of(obj, name)
        if move is not None and move.custom.get(mark) and not any(
                getattr(rule, "stage_rule", False) and not rule(obj) for rule in move.conditions):
            return move
    return None


def available_transitions(obj, user):
    """The django-fsm transitions from obj's current stage that `user` may perform now:
    every rule holds. (`closed_transitions` lists the others with the reason.)"""
    cls = type(obj)
    found = []
    for name in sorted(cls.transition_names()):
        transition = getattr(cls, name)._django_fsm.get_transition(obj.stage)
        if transition is None or transition.custom.get("system_only"):
            continue
        if user is None or not transition.has_perm(obj, user):
            continue
        if rules.first_failing(transition.conditions, obj) is None:
            found.append(transition)
    return found


def notices_for(tx, user):
    """Public notices of tx, and those addressed to a company the user represents."""
    condition = Q(addressee__isnull=True)
    if user is not None and user.is_authenticated:
        condition |= Q(addressee__representatives=user)
    return Notice.objects.filter(condition, transaction=tx).distinct().order_by("published_at", "pk")


def public_notices():
    return Notice.objects.filter(addressee__isnull=True).select_related("transaction").order_by("-published_at", "-pk")


def closed_transitions(obj, user):
    """The moves from obj's current stage that `user` could make but whose rules do not
    hold yet, each with why: [(transition, explanation)]. The pages show them as closed."""
    cls = type(obj)
    found = []
    for name in sorted(cls.transition_names()):
        transition = getattr(cls, name)._django_fsm.get_transition(obj.stage)
        if transition is None or transition.custom.get("system_only"):
            continue
        if user is None or not transition.has_perm(obj, user):
            continue
        # Another branch of a fork, or a move declared from any stage ('*') that a stage
        # rule bounds: not closed, just not a way from here.
        if any(getattr(rule, "stage_rule", False) and not rule(obj) for rule in transition.conditions):
            continue
        failing = rules.first_failing(transition.conditions, obj)
        if failing is not None:
            found.append((transition, failing.explain(obj)))
    return found


def roles_towards(tx, user) -> set[str]:
    """The roles `user` has towards tx: clerk and supervisor (of its station), purchaser
    (of its unit), and those other layers register (member, bidder, contractor)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    roles = set()
    for m in user.memberships.all():
        if m.station_id != tx.station_id:
            continue
        if m.role in (Role.CLERK, Role.SUPERVISOR):
            roles.add(m.role)
        elif m.role == Role.PURCHASER and m.unit_id == tx.unit_id:
            roles.add(Role.PURCHASER)
    return roles | registry.viewer_roles(tx, user)


# Who reads which documents of a transaction (docs/accounts.md, "Documents"): one rule for
# the page, the download and the API.
_DOCUMENTS_FOR_EVERYONE_AFTER_NOTICE = {DocumentPurpose.SPECIFICATION}
_DOCUMENTS_BY_ROLE = {
    Role.CLERK: set(DocumentPurpose.values),
    Role.SUPERVISOR: set(DocumentPurpose.values),
    Role.PURCHASER: set(DocumentPurpose.values),
    "member": {DocumentPurpose.SPECIFICATION, DocumentPurpose.BUDGET},
    "contractor": {DocumentPurpose.SPECIFICATION, DocumentPurpose.CONTRACT, DocumentPurpose.ACCEPTANCE},
}


def document_purposes_for(tx, user) -> set[str]:
    """The document purposes `user` may read: everything for the station's staff and the
    purchaser; the specification for the panel and, once the procedure's notice is
    published, for everyone (the notice refers to it); the contract and the acceptance
    report for the supplier that signed it."""
    purposes = set()
    for role in roles_towards(tx, user):
        purposes |= _DOCUMENTS_BY_ROLE.get(role, set())
    if Notice.objects.filter(transaction_id=tx.pk, addressee__isnull=True).exists():
        purposes |= _DOCUMENTS_FOR_EVERYONE_AFTER_NOTICE
    return purposes


def documents_for(tx, user):
    return Document.objects.filter(transaction_id=tx.pk, purpose__in=document_purposes_for(tx, user))
