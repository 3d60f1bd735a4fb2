"""Finding transactions: the public search (a fragment of the code, words of the title or
description, the procedure, the stage) and the code fragments of the audit trail's filter.

Matching is by substring, case-insensitive (`icontains`): Chinese is written without
spaces and PostgreSQL's text-search parsers do not segment it, while a substring finds
"电脑" in "办公电脑采购". On PostgreSQL, migration trading 0008 gives code, title and
description GIN trigram indexes (pg_trgm) on the very expressions `icontains` compares,
UPPER(column::text), so a search reads an index instead of every row; SQLite scans the
table, which at a station's size is quick enough. Only public transactions are found
(`selectors.public_transactions` says which).
"""

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext as _

from ledger import selectors as ledger_selectors

from . import registry, selectors
from .errors import InvalidInput
from .models import Stage, Transaction, TransactionType
from .text import clean_text

SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 8
CODE_MATCHES_SHOWN = 20  # codes listed by the audit trail's filter for a fragment


def search_words(text) -> list[str]:
    """The words of a search text: separated by blanks of any kind (the ideographic space
    too), each to be found somewhere. InvalidInput for control characters, more than
    SEARCH_MAX_LENGTH characters or more than SEARCH_MAX_WORDS words."""
    text = clean_text(" ".join(str(text or "").split()), field=_("search text"),
                      max_length=SEARCH_MAX_LENGTH, required=False)
    words = list(dict.fromkeys(text.split()))
    if len(words) > SEARCH_MAX_WORDS:
        raise InvalidInput(_("search text: at most %(max)d words (given %(given)d)")
                           % {"max": SEARCH_MAX_WORDS, "given": len(words)}, field="q")
    return words


def procedure_choices() -> list[tuple[str, str]]:
    """(type, label) of the procedures, labelled in the active language."""
    return [(value, str(label)) for value, label in TransactionType.choices]


def stage_choices() -> list[tuple[str, str]]:
    """(stage, label) of every stage a public transaction can be at, labelled in the
    active language: registered, each procedure's own stages, then the common stages that
    interrupt or end one. A stage two procedures name differently carries both names."""
    labels: dict[str, list[str]] = {Stage.REGISTERED.value: [str(Stage.REGISTERED.label)]}
    for procedure in registry.procedures():
        for value, label in procedure.machine.STAGES.items():
            names = labels.setdefault(value, [])
            if str(label) not in names:
                names.append(str(label))
    for stage in (Stage.SUSPENDED, Stage.TERMINATED, Stage.ARCHIVED):
        labels.setdefault(stage.value, [str(stage.label)])
    return [(value, " / ".join(names)) for value, names in labels.items()]


def transactions_search(*, text="", type="", stage=""):
    """Public transactions with every word of `text` in their code, title or description
    (case-insensitive), of procedure `type` and at `stage` when given: the one whose code
    is the text first, then the most recently registered. InvalidInput when `search_words`
    refuses the text, or for a type or a stage that is not in the lists."""
    words = search_words(text)
    if type and type not in TransactionType.values:
        raise InvalidInput(_("procedure: choose from the list"), field="type")
    if stage and stage not in dict(stage_choices()):
        raise InvalidInput(_("stage: choose from the list"), field="stage")
    rows = selectors.public_transactions()
    for word in words:
        rows = rows.filter(Q(code__icontains=word) | Q(title__icontains=word) | Q(description__icontains=word))
    if type:
        rows = rows.filter(type=type)
    if stage:
        rows = rows.filter(stage=stage)
    if len(words) == 1:
        rows = rows.annotate(code_is_text=Case(When(code__iexact=words[0], then=Value(0)),
                                               default=Value(1), output_field=IntegerField()))
        return rows.order_by("code_is_text", "-registered_at", "-pk")
    return rows.order_by("-registered_at", "-pk")


@dataclass
class SubjectFilter:
    """What the audit trail's subject filter shows for the text typed in it."""

    text: str
    subjects: list[str] = field(default_factory=list)  # the subjects whose entries are shown
    # When the text is not itself a subject: the transactions whose code contains it, as
    # {"code", "title"} (the title only of public ones), and whether more matched.
    matches: list[dict] = field(default_factory=list)
    more: bool = False

    @property
    def is_fragment(self) -> bool:
        return bool(self.text) and self.subjects != [self.text]


def audit_subjects(text: str) -> SubjectFilter:
    """The text itself when the ledger has entries of that subject (a code, user:7,
    company:3); otherwise every transaction whose code contains it, case-insensitively
    (at most CODE_MATCHES_SHOWN: the code equal to it first, then the newest). Codes are
    public from a transaction's first entry (its creation), so drafts are matched too;
    their titles are not shown until they are registered."""
    text = text.strip()
    if not text:
        return SubjectFilter(text="")
    if ledger_selectors.subject_known(text):
        return SubjectFilter(text=text, subjects=[text])
    rows = list(
        Transaction.objects.filter(code__icontains=text)
        .order_by(Case(When(code__iexact=text, then=Value(0)), default=Value(1), output_field=IntegerField()),
                  "-created_at", "-pk")
        .values_list("code", "title")[: CODE_MATCHES_SHOWN + 1]
    )
    more = len(rows) > CODE_MATCHES_SHOWN
    rows = rows[:CODE_MATCHES_SHOWN]
    public = set(selectors.public_transactions().filter(code__in=[code for code, _title in rows])
                 .values_list("code", flat=True))
    return SubjectFilter(
        text=text,
        subjects=[code for code, _title in rows],
        matches=[{"code": code, "title": title if code in public else ""} for code, title in rows],
        more=more,
    )


def entry_kind_choices(current: str = "") -> list[tuple[str, str]]:
    """(kind, label) of every ledger kind the platform writes, labelled in the active
    language; a kind asked for that is not among them is listed under its own name."""
    choices = [(kind, _(label)) for kind, label in registry.entry_kinds().items()]
    if current and current not in dict(choices):
        choices.append((current, current))
    return choices
