"""Reads of the trading domain: who sees which transactions."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import registry, rules
from .models import Document, DocumentPurpose, Notice, NoticeKind, Role, Stage, Transaction

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
# the pages, the downloads (logged in or public) and the API.
_DOCUMENTS_BY_ROLE = {
    Role.CLERK: set(DocumentPurpose.values),
    Role.SUPERVISOR: set(DocumentPurpose.values),
    Role.PURCHASER: set(DocumentPurpose.values),
    "member": {DocumentPurpose.SPECIFICATION, DocumentPurpose.BUDGET},
    "contractor": {DocumentPurpose.SPECIFICATION, DocumentPurpose.CONTRACT, DocumentPurpose.ACCEPTANCE},
}
# What a public notice publishes: the procurement documents with the procedure's notice (the
# notice lists them with their SHA-256), the signed contract with the contract notice
# (政府采购法实施条例第五十条). Approval, budget, acceptance report and internal files never.
PUBLISHED_WITH = {
    DocumentPurpose.SPECIFICATION: {NoticeKind.INQUIRY, NoticeKind.TENDER, NoticeKind.DISCLOSURE},
    DocumentPurpose.CONTRACT: {NoticeKind.CONTRACT},
}


def purposes_published_by(kind) -> set[str]:
    """The document purposes a public notice of `kind` publishes (and so lists)."""
    return {purpose for purpose, kinds in PUBLISHED_WITH.items() if kind in kinds}


def public_document_purposes(tx) -> set[str]:
    """The purposes anyone may read, no login: those the public notices published so far publish."""
    kinds = set(Notice.objects.filter(transaction_id=tx.pk, addressee__isnull=True).values_list("kind", flat=True))
    return {purpose for kind in kinds for purpose in purposes_published_by(kind)}


def document_purposes_for(tx, user) -> set[str]:
    """The document purposes `user` may read (None or anonymous: the public): everything for
    the station's staff and the purchaser; the specification and the budget for the panel;
    the specification, the contract and the acceptance report for the supplier that signed
    it; and, for everyone, what the public notices published (`PUBLISHED_WITH`)."""
    purposes = public_document_purposes(tx)
    for role in roles_towards(tx, user):
        purposes |= _DOCUMENTS_BY_ROLE.get(role, set())
    return purposes


def documents_for(tx, user):
    readable = Q(purpose__in=document_purposes_for(tx, user))
    if user is not None and getattr(user, "is_authenticated", False):
        # A challenge's attachment is also its filer's (the station's staff and the
        # purchaser read every purpose).
        readable |= Q(purpose=DocumentPurpose.CHALLENGE, uploaded_by=user)
    return Document.objects.filter(readable, transaction_id=tx.pk).select_related("transaction")


def public_documents(tx):
    """The documents anyone may download without logging in (`/t/<code>/documents/<id>/`)."""
    return documents_for(tx, None)


def documents_published_by(tx, kind):
    """The documents a public notice of `kind` about tx publishes: what it lists, with their
    SHA-256, when it is issued."""
    return (Document.objects.filter(transaction_id=tx.pk, purpose__in=purposes_published_by(kind))
            .select_related("transaction"))


def notice_documents(notice) -> list:
    """The documents a notice refers to: the public documents of its transaction whose SHA-256
    its text cites (none for a notice addressed to one supplier)."""
    return notices_documents([notice])[notice.pk]


def notices_documents(notices) -> dict:
    """{notice id: the documents it refers to} for many notices (`notice_documents`), in two queries."""
    notices = list(notices)
    found = {n.pk: [] for n in notices}
    public = [n for n in notices if n.addressee_id is None]
    transactions = {n.transaction_id for n in public}
    if not transactions:
        return found
    published = {}
    for tx, kind in Notice.objects.filter(transaction_id__in=transactions, addressee__isnull=True).values_list(
            "transaction_id", "kind"):
        published.setdefault(tx, set()).update(purposes_published_by(kind))
    documents = {}
    for d in Document.objects.filter(transaction_id__in=transactions, purpose__in=list(PUBLISHED_WITH)).select_related(
            "transaction").order_by("uploaded_at", "pk"):
        if d.purpose in published.get(d.transaction_id, ()):
            documents.setdefault(d.transaction_id, []).append(d)
    for n in public:
        found[n.pk] = [d for d in documents.get(n.transaction_id, []) if d.sha256 in n.body]
    return found


# --- to-dos ---------------------------------------------------------------------------------

_ENDED = (Stage.ARCHIVED, Stage.WITHDRAWN)


def todos_for(user, transaction=None) -> list[registry.Todo]:
    """What waits for `user` now, computed from the procedures (docs/notifications.md): the
    moves of each transaction it sees whose rules hold (not the destructive ones: refusing,
    suspending, terminating are no one's to-do), a draft to complete, and what other layers
    register (an offer to submit, a share to present, offers to assess, a challenge to
    answer). Earliest deadline first."""
    if user is None or not user.is_authenticated:
        return []
    rows = visible_transactions(user).exclude(stage__in=_ENDED)
    if transaction is not None:
        rows = rows.filter(pk=transaction.pk)
    transactions = [tx.as_procedure() for tx in rows[:200]]
    todos = []
    for tx in transactions:
        link = reverse("transaction-detail", args=[tx.code])
        for move in available_transitions(tx, user):
            if move.custom.get("danger") or move.name in _NOT_TODOS:
                continue
            due, rule = tx.due_of(move.name) or (None, "")
            todos.append(registry.Todo(transaction=tx, label=tx.action_label(move.name), link=link, due=due,
                                       rule=rule))
        # A move that is this user's but not possible yet: its to-do says what comes first.
        for move, why in closed_transitions(tx, user):
            if move.custom.get("danger") or move.name in _NOT_TODOS:
                continue
            due, _rule = tx.due_of(move.name) or (None, "")
            todos.append(registry.Todo(transaction=tx, label=tx.action_label(move.name), link=link, due=due,
                                       rule=str(_("not yet: %(why)s")) % {"why": why}))
        if tx.stage == Stage.DRAFT and Role.PURCHASER in roles_towards(tx, user) and not any(
                t.transaction is tx for t in todos):
            todos.append(registry.Todo(transaction=tx, label=str(_("complete the draft and submit it")), link=link))
    for provider in registry.todo_providers():
        todos += provider(user, transactions)
    return sorted(todos, key=lambda t: (t.due is None, t.due or 0, t.transaction.code))


# Moves that are possible but not anyone's duty.
_NOT_TODOS = {"archive", "resume", "restart"}
