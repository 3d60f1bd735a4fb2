"""Rules as objects: a guard that can refuse an action names the rule, its source and
what would satisfy it, in the user's language.

A `Rule` is a django-fsm condition (a callable taking the transaction) that can also
explain itself: `transaction_transition` refuses a move whose rules do not all hold with
the first failing rule's explanation, the pages show why a move is not open yet, the
clock performs a time-driven move only when its rules hold, and `procedure_diagram`
prints them on the machine's edges. `text` and `source` may be callables of the
transaction when they depend on its rule set (a number, an article).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .errors import RuleViolation  # noqa: F401  (raised for a failing rule)


@dataclass(frozen=True)
class Rule:
    code: str
    text: str | Callable[[object], str]  # what the rule says (translated lazily)
    source: str | Callable[[object], str]  # where it comes from
    check: Callable[[object], bool]
    detail: Callable[[object], str] | None = None  # what is missing, e.g. counts or dates
    # A rule about the stage itself: failing it means "not possible from this stage"
    # (HTTP 409), not "the content is incomplete" (HTTP 422).
    stage_rule: bool = False

    def __call__(self, instance) -> bool:
        return bool(self.check(instance))

    def explain(self, instance) -> str:
        text = self.text(instance) if callable(self.text) else self.text
        source = self.source(instance) if callable(self.source) else self.source
        message = _("%(text)s (%(source)s)") % {"text": text, "source": source}
        if self.detail is not None:
            message = f"{message}: {self.detail(instance)}"
        return str(message)


def first_failing(rules, instance) -> Rule | None:
    for rule in rules:
        if not rule(instance):
            return rule
    return None


# --- Rules of the common start (统一进场) -------------------------------------------------

STATION_ENTRY = _("station entry rules, 统一进场")

amount_positive = Rule(
    code="common.amount_positive",
    text=_("a transaction is filed with its budget or appraised value, greater than zero"),
    source=STATION_ENTRY,
    check=lambda t: t.amount is not None and t.amount > 0,
    detail=lambda t: _("amount given: %(amount)s") % {"amount": t.amount},
)

documents_attached = Rule(
    code="common.documents_attached",
    text=_("a transaction is filed with its approval documents"),
    source=STATION_ENTRY,
    check=lambda t: t.documents.exists(),
    detail=lambda t: _("attach at least 1 document (attached: %(count)d)")
    % {"count": t.documents.count()},
)

title_given = Rule(
    code="common.title_given",
    text=_("a transaction is filed with a title"),
    source=STATION_ENTRY,
    check=lambda t: bool((t.title or "").strip()),
)
