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
