"""Searching: registered transactions by a fragment of their code, words of their title or
description (Chinese without spaces), procedure and stage, from the home page and the
search page; the audit trail's filters by code fragment and by kind from a labelled list.
Bad input gets a 400 that says why, never a 500. The same tests run on PostgreSQL, where
a last one checks that the search reads the trigram indexes of migration trading 0008."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import make_transaction, make_world
from trading import clock, search
from trading.errors import InvalidInput
from trading.models import Stage, Transaction

pytestmark = pytest.mark.django_db

COMPUTERS = "便民服务中心及交易站办公电脑采购（13台）"
PAVING = "镇政府后院地坪建设项目"
IN_2026 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def demo(world):
    """The county report's computers (JY-2026-0001) and paving (JY-2026-0002), registered an
    hour apart, and a draft about computers that nobody outside may find yet."""
    with clock.frozen_at(IN_2026):
        computers = make_transaction(world, stage="registered", title=COMPUTERS)
        clock.advance(timedelta(hours=1))
        paving = make_transaction(world, stage="registered", type="tender", title=PAVING)
        draft = make_transaction(world, title="备用笔记本电脑采购")
    Transaction.objects.filter(pk=paving.pk).update(description="约1,800平方米，C25混凝土面层及排水沟。")
    return computers, paving, draft


def codes(**query):
    return [t.code for t in search.transactions_search(**query)]


@pytest.mark.parametrize("text", ["jy-2026-0001", "0001", "电脑"])
def test_the_issues_three_queries_find_the_13_computers(demo, text):
    computers, _paving, _draft = demo
    assert computers.code == "JY-2026-0001"
    assert codes(text=text) == ["JY-2026-0001"]


def test_a_code_fragment_common_to_several_finds_them_newest_first(demo):
    assert codes(text="2026-00") == ["JY-2026-0002", "JY-2026-0001"]
    assert codes(text="jy-2026") == ["JY-2026-0002", "JY-2026-0001"]


def test_the_transaction_whose_code_is_the_text_comes_first(demo, world):
    with clock.frozen_at(IN_2026 + timedelta(days=1)):
        newer = make_transaction(world, stage="registered", title="JY-2026-0001 的复核采购")
    assert codes(text="JY-2026-0001") == ["JY-2026-0001", newer.code]


def test_every_word_must_appear_in_the_code_title_or_description(demo):
    assert codes(text="电脑 13台") == ["JY-2026-0001"]
    assert codes(text="电脑\u3000采购") == ["JY-2026-0001"]  # the ideographic space separates too
    assert codes(text="0001 便民服务") == ["JY-2026-0001"]
    assert codes(text="电脑 地坪") == []
    assert codes(text="混凝土") == ["JY-2026-0002"]  # only in the description


def test_only_registered_transactions_are_found(demo, world):
    _computers, _paving, draft = demo
    submitted = make_transaction(world, stage="submitted", title="电脑维修")
    suspended = make_transaction(world, stage="suspended", title="电脑桌椅")
    found = codes(text="电脑")
    assert draft.code not in found and submitted.code not in found
    assert suspended.code in found and "JY-2026-0001" in found


def test_procedure_and_stage_filter(demo, world):
    make_transaction(world, stage="terminated", title="电脑耗材")
    assert codes(type="tender") == ["JY-2026-0002"]
    assert codes(text="电脑", type="tender") == []
    assert codes(text="电脑", stage=Stage.REGISTERED) == ["JY-2026-0001"]
    assert len(codes(text="电脑", stage=Stage.TERMINATED)) == 1


def test_stage_list_holds_the_procedures_stages_and_not_the_private_ones(english):
    stages = dict(search.stage_choices())
    assert stages["registered"] == "registered"
    assert stages["quoting"] == "quoting"  # the inquiry's own
    assert "draft" not in stages and "submitted" not in stages
    assert dict(search.procedure_choices())["inquiry"] == "inquiry-priced procurement"


@pytest.mark.parametrize("text,why", [
    ("x" * 101, "too long"),
    ("a\x01b", "control characters"),
    ("\ud800", "invalid characters"),
    (" ".join(f"词{i}" for i in range(9)), "at most 8 words"),
])
def test_bad_search_text_is_refused_naming_the_rule(english, text, why):
    with pytest.raises(InvalidInput, match=why):
        search.transactions_search(text=text)


@pytest.mark.parametrize("field", ["type", "stage"])
def test_a_type_or_stage_not_in_the_lists_is_refused(english, field):
    with pytest.raises(InvalidInput, match="choose from the list"):
        search.transactions_search(**{field: "draft" if field == "stage" else "auction"})


def test_like_wildcards_are_plain_characters(demo, world):
    percent = make_transaction(world, stage="registered", title="预付100%的打印纸采购")
    assert codes(text="%") == [percent.code]
    assert codes(text="100%") == [percent.code]
    assert codes(text="_") == []
    assert codes(text="\\") == []


# --- the pages -------------------------------------------------------------------------


def test_home_page_has_a_search_form_that_works_without_javascript(client, demo):
    text = client.get(reverse("home")).content.decode()
    assert f'method="get" action="{reverse("search")}"' in text
    assert 'name="q"' in text
    page = client.get(reverse("search"), {"q": "电脑"})
    assert page.status_code == 200
    assert [t.code for t in page.context["page"].object_list] == ["JY-2026-0001"]


def test_results_list_code_title_procedure_stage_station_and_link(client, demo, world, english):
    text = client.get(reverse("search"), {"q": "0001"}).content.decode()
    assert f'href="{reverse("audit-transaction", args=["JY-2026-0001"])}"' in text
    for shown in (COMPUTERS, "inquiry-priced procurement", "registered", world.station.name):
        assert shown in text
    assert PAVING not in text


def test_results_are_labelled_in_chinese_by_default(client, demo):
    text = client.get(reverse("search"), {"q": "地坪"}).content.decode()
    assert "公开招标" in text  # the procedure
    assert "交易站" in text  # the column and the station


def test_no_result_says_so(client, demo, english):
    page = client.get(reverse("search"), {"q": "拖拉机"})
    assert page.status_code == 200
    assert "No registered transaction matches this search." in page.content.decode()


def test_search_pages_are_numbered(client, world):
    with clock.frozen_at(IN_2026):
        for i in range(23):
            make_transaction(world, stage="registered", title=f"电脑配件{i}")
            clock.advance(timedelta(minutes=1))
    first = client.get(reverse("search"), {"q": "配件"})
    assert len(first.context["page"].object_list) == 20
    assert "page=2" in first.content.decode() and "q=%E9%85%8D%E4%BB%B6" in first.content.decode()
    second = client.get(reverse("search"), {"q": "配件", "page": "2"}).context["page"]
    assert [t.title for t in second.object_list] == ["电脑配件2", "电脑配件1", "电脑配件0"]
    assert client.get(reverse("search"), {"q": "配件", "page": "99"}).context["page"].number == 2
    assert client.get(reverse("search"), {"q": "配件", "page": "abc"}).status_code == 400


HOSTILE = [
    "x" * 1000, "%", "_", "\\", "'; DROP TABLE trading_transaction; --", "<script>alert(1)</script>",
    "😀", "\u202e电脑", "a\x01b", "\ufeff", "%%%%" * 30, " ".join(["电脑"] * 50), "\x1f\x1e",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_search_text_never_fails(client, demo, english, text):
    page = client.get(reverse("search"), {"q": text, "type": "inquiry"})
    assert page.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in page.content.decode()
    if page.status_code == 400:
        assert page.context["error"]


@pytest.mark.parametrize("query", ["q=%ED%A0%80", "q=%FF%FE", "type=%3Cb%3E", "stage=draft", "page=-1",
                                   "page=" + "9" * 40, "q=" + quote("电") * 500])
def test_hostile_query_strings_never_fail(client, demo, english, query):
    page = client.get(reverse("search") + "?" + query)
    assert page.status_code in (200, 400)


# --- the audit trail's filters ---------------------------------------------------------

KINDS_WRITTEN = [
    "transition", "document.attached", "notice.published", "notice.changed", "bids.closed", "bids.opened",
    "draw.announced", "draw.performed", "draw.revealed", "opening_key.created", "custodian_key.set",
    "challenge.filed", "challenge.answered", "ruleset.adopted", "account.changed", "company.changed",
]


def kind_options(page):
    return dict(page.context["kinds"])


def test_kind_is_chosen_from_the_labelled_list_in_chinese(client, db):
    page = client.get(reverse("audit"))
    options = kind_options(page)
    assert set(KINDS_WRITTEN) <= set(options)
    assert options["transition"] == "阶段变更"
    assert options["draw.performed"] == "执行随机抽取"
    text = page.content.decode()
    assert '<select name="kind">' in text and '<option value="transition">阶段变更</option>' in text


def test_kind_labels_in_english(client, db, english):
    options = kind_options(client.get(reverse("audit")))
    assert options["transition"] == "stage change"
    assert options["bids.opened"] == "quotes opened: opening record"
    assert all(options[kind] != kind for kind in KINDS_WRITTEN)  # each has its label


def test_kind_filter_keeps_the_chosen_kind_selected(client, demo, sequenced):
    sequenced()
    page = client.get(reverse("audit"), {"kind": "document.attached"})
    assert {e["kind"] for e in page.context["entries"]} == {"document.attached"}
    assert '<option value="document.attached" selected>' in page.content.decode()
    odd = client.get(reverse("audit"), {"kind": "no.such<kind>"})
    assert odd.status_code == 200 and odd.context["entries"] == []
    assert "no.such&lt;kind&gt;" in odd.content.decode()


def test_a_code_fragment_matching_one_code_shows_its_entries(client, demo, sequenced, english):
    sequenced()
    for fragment in ("jy-2026-0001", "0001"):
        page = client.get(reverse("audit"), {"subject": fragment})
        entries = page.context["entries"]
        assert entries and {e["subject"] for e in entries} == {"JY-2026-0001"}
        assert "One transaction code contains" in page.content.decode()


def test_a_fragment_matching_several_lists_them_to_pick_from(client, demo, sequenced, english):
    computers, paving, draft = demo
    sequenced()
    page = client.get(reverse("audit"), {"subject": "2026-000", "kind": "transition"})
    assert {e["subject"] for e in page.context["entries"]} == {computers.code, paving.code, draft.code}
    text = page.content.decode()
    assert "3 transaction codes contain “2026-000”" in text
    assert f'href="?subject={paving.code}&amp;kind=transition"' in text
    assert PAVING in text
    assert "备用笔记本电脑采购" not in text  # a draft's title is not public yet


def test_a_fragment_matching_many_codes_is_bounded(client, world, sequenced, english):
    for _ in range(search.CODE_MATCHES_SHOWN + 2):
        make_transaction(world)
    sequenced()
    page = client.get(reverse("audit"), {"subject": "-"})
    assert page.context["subject_filter"].more
    assert len(page.context["subject_filter"].matches) == search.CODE_MATCHES_SHOWN
    assert "More than 20 transaction codes contain" in page.content.decode()


def test_an_exact_subject_is_kept_as_it_is(client, demo, sequenced):
    sequenced()
    page = client.get(reverse("audit"), {"subject": "JY-2026-0002"})
    assert {e["subject"] for e in page.context["entries"]} == {"JY-2026-0002"}
    assert not page.context["subject_filter"].is_fragment


def test_a_fragment_matching_nothing_says_so(client, demo, sequenced, english):
    sequenced()
    page = client.get(reverse("audit"), {"subject": "ZZZ"})
    assert page.status_code == 200 and page.context["entries"] == []
    assert "No transaction code contains “ZZZ”" in page.content.decode()


@pytest.mark.parametrize("subject", HOSTILE + ["user:", "%", "JY-2026-0001" * 10])
def test_hostile_subject_filter_never_fails(client, demo, sequenced, subject):
    sequenced()
    page = client.get(reverse("audit"), {"subject": subject, "kind": subject})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.content.decode()


# --- PostgreSQL ------------------------------------------------------------------------


TRIGRAM_INDEXES = ("trading_tx_code_trgm", "trading_tx_title_trgm", "trading_tx_description_trgm")


@pytest.mark.postgres
def test_postgres_search_can_read_the_trigram_indexes(postgres_only, demo):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'trading_transaction'")
        assert set(TRIGRAM_INDEXES) <= {row[0] for row in cursor.fetchall()}
    for text in ("jy-2026-0001", "0001", "电脑", "办公电脑"):
        assert codes(text=text) == ["JY-2026-0001"]
    # The indexed expressions are the ones icontains writes, UPPER(column::text): with
    # scans of the whole table (directly or along another index) ruled out, the planner
    # answers from the three trigram indexes. (On a table this small it would otherwise
    # rightly scan; with some 200,000 transactions it takes the indexes by itself.)
    sql, params = search.transactions_search(text="办公电脑", type="inquiry").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert all(f"Bitmap Index Scan on {index}" in plan for index in TRIGRAM_INDEXES), plan
