"""The procedure registry: how the common core reaches a procedure without naming it.

Each procedure is a package of its own (trading/procedures/<name>/, a Django app) that
registers one `Procedure` when its models load: its transaction type, its stage machine
(a proxy of `Transaction`), how its amount is named, the numbers of its rules, and its
pages, its API and the panel it adds to a transaction's page (dotted paths, resolved when
used, as Django resolves ROOT_URLCONF and MIDDLEWARE). The core (pages of a
transaction, the clock's tick, the public timeline, the API's generic endpoints) and
`bidding` ask the registry; nothing below a procedure imports one (docs/architecture.md).

Other layers add what the core must know of them the same way: `bidding` registers the
conditions under which a user sees a transaction (a panel seat, an admission to bid).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.module_loading import import_string


@dataclass
class Procedure:
    type: str  # the transaction type, e.g. "inquiry" (TransactionType)
    machine: type  # the proxy class of Transaction with the procedure's transitions
    amount_key: str = "budget"  # how the amount is named in the ledger ("appraised_value"...)
    # The numbers of its rules, with their built-in values and legal sources
    # ({name: trading.rulesets.Param}), and the title of its built-in rule set.
    params: dict = field(default_factory=dict)
    rules_title: str = ""
    # Its pages and its API, as dotted paths the way Django names plugins (ROOT_URLCONF,
    # MIDDLEWARE): URL modules included at the site's root and under /api/v1/, and the
    # panel of a transaction's page, a function (request, transaction) -> (template name,
    # context), resolved when a page is drawn.
    page_urls: str | None = None
    api_urls: str | None = None
    panel: str | None = None
    public_panel: str | None = None  # the same for the public page of the transaction
    # What the public timeline says about the procedure's own ledger kinds: kind -> label.
    entry_labels: dict = field(default_factory=dict)


_procedures: dict[str, Procedure] = {}
_visibility: list[Callable] = []
_entry_labels: dict[str, str] = {}
_viewer_roles: list[Callable] = []


def register(procedure: Procedure) -> Procedure:
    if procedure.type in _procedures and _procedures[procedure.type].machine is not procedure.machine:
        raise RuntimeError(f"procedure {procedure.type} is registered twice")
    procedure.machine.PROCEDURE_TYPE = procedure.type
    _procedures[procedure.type] = procedure
    return procedure


def get(transaction_type: str) -> Procedure:
    return _procedures[transaction_type]


def find(transaction_type: str) -> Procedure | None:
    return _procedures.get(transaction_type)


def procedures() -> list[Procedure]:
    return [_procedures[t] for t in sorted(_procedures)]


def machine_for(transaction_type: str) -> type:
    return _procedures[transaction_type].machine


def panel(transaction_type: str, request, transaction):
    """(template name, context) of the procedure's part of a transaction's page, or None."""
    procedure = find(transaction_type)
    if procedure is None or procedure.panel is None:
        return None
    return import_string(procedure.panel)(request, transaction)


def public_panel(transaction_type: str, request, transaction):
    procedure = find(transaction_type)
    if procedure is None or procedure.public_panel is None:
        return None
    return import_string(procedure.public_panel)(request, transaction)


def add_visibility(condition: Callable[[object], Q]) -> None:
    """Register `condition(user) -> Q` on Transaction: an extra reason why `user` sees a
    transaction in its workspace (e.g. it sits in the transaction's panel)."""
    _visibility.append(condition)


def visibility_conditions(user) -> list[Q]:
    return [condition(user) for condition in _visibility]


def add_viewer_roles(roles: Callable) -> None:
    """Register `roles(transaction, user) -> set[str]`: roles another layer gives a user
    towards a transaction ("member" of its panel, "bidder" admitted to it, "contractor"
    party to its contract), used by the rules of who reads what (documents)."""
    _viewer_roles.append(roles)


def viewer_roles(transaction, user) -> set[str]:
    found = set()
    for roles in _viewer_roles:
        found |= set(roles(transaction, user))
    return found


def add_entry_labels(labels: dict) -> None:
    """Register what the public timeline calls ledger kinds ({kind: untranslated label})."""
    _entry_labels.update(labels)


def entry_kinds() -> dict[str, str]:
    """Every registered ledger kind with its untranslated label, in the order registered
    (the core's and other layers' first, then the procedures')."""
    kinds = list(_entry_labels)
    for procedure in procedures():
        kinds += [kind for kind in procedure.entry_labels if kind not in kinds]
    return {kind: entry_label(kind) for kind in kinds}


def entry_label(kind: str) -> str:
    """The untranslated label of a ledger kind (the kind itself if none is registered)."""
    for procedure in _procedures.values():
        if kind in procedure.entry_labels:
            return procedure.entry_labels[kind]
    return _entry_labels.get(kind, kind)


# --- to-dos and who takes part -----------------------------------------------------------

@dataclass(frozen=True)
class Todo:
    """A step that waits for a user: what (`label`), where (`transaction`, `link`), by when
    (`due`, a real moment, or None) and by which rule (`rule`, its source), computed from
    the procedures' state, never kept by hand."""

    transaction: object
    label: str
    link: str
    due: object = None
    rule: str = ""


_todo_providers: list[Callable] = []
_participants: list[Callable] = []


def add_todo_provider(provider: Callable) -> None:
    """Register `provider(user, transactions) -> list[Todo]`: steps another layer knows
    that are not stage changes (assess the offers, present a custodian's share, submit an
    offer before the deadline...)."""
    _todo_providers.append(provider)


def todo_providers() -> list[Callable]:
    return list(_todo_providers)


def add_participants(participants: Callable) -> None:
    """Register `participants(transaction) -> iterable of users` who take part in a
    transaction beyond the station's staff and the owning unit (its panel, the
    representatives of the parties admitted to its current round, its custodians)."""
    _participants.append(participants)


def participants(transaction) -> set:
    found = set()
    for function in _participants:
        found |= set(function(transaction))
    return found
