"""Notices are official text in the station's language (zh-hans), whatever the language of
the person whose move publishes them: the same move from an English page or an English API
client gives the same Chinese notice, and its digest is what the ledger holds."""

import hashlib
import json

import pytest
from django.utils.translation import gettext as _
from django.utils.translation import override
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ledger.models import Entry
from tests.trading.inquiry_world import MONDAY, assess_all, clock, make_inquiry_world, settle, walk
from trading.models import Notice, NoticeKind


@pytest.fixture
def iw(db):
    with clock.frozen_at(MONDAY):
        yield make_inquiry_world()


def english_api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_a_result_published_from_an_english_client_is_a_chinese_notice(iw):
    walk(iw, "opened")
    assess_all(iw)
    for user, action in ((iw.world.clerk, "complete_evaluation"), (iw.world.purchaser, "confirm_award"),
                         (iw.world.clerk, "publish_result")):
        response = english_api(user).post(f"/api/v1/transactions/{iw.tx.code}/actions/{action}/", {}, format="json")
        assert response.status_code == 200, response.content
    result = Notice.objects.get(transaction=iw.tx, kind=NoticeKind.RESULT)
    with override("zh-hans"):
        expected = _("Result notice: %(title)s (%(code)s)") % {"title": iw.tx.title, "code": iw.tx.code}
        responsive = _("responsive")
    assert result.title == expected and expected.startswith("成交结果公告")
    assert responsive in result.body and "responsive" not in result.body
    # The ledger holds the digest of exactly that Chinese text.
    settle()
    published = [json.loads(bytes(e.body))["data"] for e in Entry.objects.filter(kind="notice.published",
                                                                               subject=iw.tx.code)]
    assert hashlib.sha256(result.body.encode()).hexdigest() == result.sha256
    assert result.sha256 in [d["sha256"] for d in published]
    # An English error still answers in English: the language of messages to a person is theirs.
    refused = english_api(iw.world.clerk).post(f"/api/v1/transactions/{iw.tx.code}/actions/publish_result/", {},
                                               format="json")
    assert refused.status_code == 409 and "is at stage" in refused.json()["error"]["message"]


def test_the_same_move_in_either_language_gives_the_same_notice_text(iw):
    with override("en"):
        walk(iw, "published")
    notice = Notice.objects.get(transaction=iw.tx, kind=NoticeKind.INQUIRY)
    with override("zh-hans"):
        expected = _("Inquiry notice: %(title)s (%(code)s)") % {"title": iw.tx.title, "code": iw.tx.code}
    assert notice.title == expected and not notice.title.isascii()
    assert "quote deadline" not in notice.body.lower() and "Purchaser" not in notice.body
