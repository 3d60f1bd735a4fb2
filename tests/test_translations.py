"""Chinese first: every message of the platform has its Simplified Chinese translation,
and the compiled catalogue that ships (django.mo) matches the source (django.po)."""

import gettext
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated():
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [entry.msgid for entry in po if not entry.translated() or "fuzzy" in entry.flags]
    assert untranslated == []
    assert po.percent_translated() == 100


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(LOCALE / "django.po"))
    with open(LOCALE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [entry.msgid for entry in po if (
        compiled.ngettext(entry.msgid, entry.msgid_plural, 1) != entry.msgstr_plural.get(0)
        if entry.msgid_plural else compiled.gettext(entry.msgid) != entry.msgstr)]
    assert stale == [], "run `make messages` to recompile locale/zh_Hans/LC_MESSAGES/django.mo"


def test_placeholders_survive_translation():
    import re

    po = polib.pofile(str(LOCALE / "django.po"))
    for entry in po:
        wanted = sorted(re.findall(r"%\([\w.]+\)[sd]", entry.msgid))
        translated = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        assert sorted(re.findall(r"%\([\w.]+\)[sd]", translated)) == wanted, entry.msgid


def test_every_move_and_ledger_kind_has_its_chinese_label():
    """Issue 9 item 7: "record_acceptance" showed untranslated in the public timeline. Every
    move of every machine names itself by a label the catalogue translates, and so does every
    ledger kind the timeline and the audit trail's kind list show."""
    from django.utils.translation import override

    from trading import registry
    from trading.models import Transaction

    po = polib.pofile(str(LOCALE / "django.po"))
    translated = {entry.msgid for entry in po if entry.translated() and "fuzzy" not in entry.flags}
    machines = [Transaction] + [procedure.machine for procedure in registry.procedures()]
    labels = {}
    for machine in machines:
        for move in machine._meta.get_field("stage").get_all_transitions(machine):
            labels[f"{machine.__name__}.{move.name}"] = move.custom.get("label")
    assert [name for name, label in labels.items() if label is None] == []
    with override(None):  # the msgids
        missing = sorted({str(label) for label in labels.values()} - translated)
        missing += sorted({str(label) for label in registry.entry_kinds().values()} - translated)
    assert missing == [], missing
