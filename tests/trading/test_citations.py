"""Issue 9 item 7: a Chinese message said "Government Procurement Law art. 40". Rule sets
write their legal sources in both languages ("政府采购法第四十条 / Government Procurement Law
art. 40"); a Chinese message cites the Chinese name only, an English one both (the reader
also gets the official name to look up). The rule set keeps its text as published."""

import re
from datetime import timedelta

import polib
import pytest
from django.utils import translation

from tests.test_translations import LOCALE
from tests.trading.inquiry_world import MONDAY, form_group, issue_notice, make_inquiry_world, walk
from trading import clock, rulesets, workdays
from trading.errors import RuleViolation
from trading.models import RuleSet, Transaction
from trading.selectors import todos_for

# An English law name or article inside a message: what a Chinese reader must not meet.
ENGLISH_CITATION = re.compile(r"\b(Law|Regulations|Order No|Measures)\b|\bart\. ?\d")


def test_a_bilingual_source_is_cited_in_the_readers_language():
    source = "政府采购法第四十条 / Government Procurement Law art. 40"
    with translation.override("zh-hans"):
        assert rulesets.cited(source) == "政府采购法第四十条"
        assert rulesets.cited("平台规则") == "平台规则"  # one language: as written
    with translation.override("en"):
        assert rulesets.cited(source) == source


@pytest.mark.django_db
def test_the_rule_set_keeps_its_sources_as_published_and_messages_cite_them():
    rule_set = RuleSet.objects.get(code="inquiry-default", version=1)
    assert rule_set.sources["group_min_size"] == "政府采购法第四十条 / Government Procurement Law art. 40"
    with translation.override("zh-hans"):
        assert rulesets.source(rule_set, "group_min_size") == "政府采购法第四十条"
    assert rule_set.digest == rulesets.rule_set_digest(rule_set)


@pytest.mark.django_db
def test_a_refused_deadline_in_chinese_cites_the_chinese_name_only():
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        form_group(iw)
        too_early = workdays.earliest_deadline(clock.now(), 3) - timedelta(minutes=1)
        for language in ("zh-hans", "en"):
            with translation.override(language), pytest.raises(RuleViolation) as refused:
                issue_notice(iw, deadline=too_early)
            assert "财政部令第74号第四十五条" in refused.value.message
            assert bool(ENGLISH_CITATION.search(refused.value.message)) == (language == "en"), refused.value.message


@pytest.mark.django_db
def test_a_to_do_cites_the_rule_by_its_chinese_name_in_chinese():
    with clock.frozen_at(MONDAY):
        iw = make_inquiry_world()
        walk(iw, "evaluated")
        tx = Transaction.objects.get(pk=iw.tx.pk)
        for language in ("zh-hans", "en"):
            with translation.override(language):
                [todo] = [t for t in todos_for(iw.world.purchaser) if t.transaction.pk == tx.pk]
            assert "财政部令第74号第四十九条" in todo.rule  # confirm within 5 working days
            assert bool(ENGLISH_CITATION.search(todo.rule)) == (language == "en"), todo.rule


def test_no_chinese_translation_names_a_law_in_english():
    po = polib.pofile(str(LOCALE / "django.po"))
    leaking = [(e.msgid, e.msgstr) for e in po if e.msgstr and ENGLISH_CITATION.search(e.msgstr)]
    assert leaking == []
