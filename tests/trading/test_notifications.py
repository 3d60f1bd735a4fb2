"""To-do lists and messages (docs/notifications.md): what waits for each person is computed
from the procedures and appears and disappears as moves are made; every notice reaches
the people it concerns by inbox and e-mail; a move's participants are told what now waits
for them; delivery retries when the mail server is down."""

from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.test import Client

from tests.trading.inquiry_world import (
    MONDAY,
    PRICES,
    assess_all,
    form_group,
    issue_notice,
    make_inquiry_world,
    open_quotes,
    pass_deadline,
    settle,
    submit_quote,
)
from trading import clock
from trading.models import Message, Notice
from trading.selectors import todos_for
from trading.services import messages
from trading.services.transitions import transaction_transition

# Real commits: messages are delivered after the change commits.
pytestmark = pytest.mark.usefixtures("ledger_transactional_db", "english")


def labels(user, tx=None):
    return [str(t.label) for t in todos_for(user, tx)]


@pytest.fixture
def iw():
    with clock.frozen_at(MONDAY):
        world = make_inquiry_world()
        for user in [world.world.clerk, world.world.purchaser, world.world.supervisor, *world.experts,
                     *[u for u, _c in world.suppliers]]:
            user.email = f"{user.username}@example.cn"
            user.save(update_fields=["email"])
        yield world


def test_to_dos_appear_and_disappear_as_the_inquiry_moves(iw):
    clerk, purchaser = iw.world.clerk, iw.world.purchaser
    bidder, company = iw.suppliers[0]
    assert any("inquiry group" in label or "询价小组" in label for label in labels(clerk, iw.tx))
    form_group(iw)
    issue_notice(iw)
    # The invited supplier must quote before the deadline; the to-do says by when.
    [todo] = todos_for(bidder, iw.tx)
    assert company.name in str(todo.label) and todo.due is not None
    submit_quote(iw, 0, PRICES[0])
    assert todos_for(bidder, iw.tx) == []  # quoted: nothing waits any more
    for index in (1, 2):
        submit_quote(iw, index, PRICES[index])
    pass_deadline(iw)
    # The custodians present their shares; the clerk opens.
    assert todos_for(iw.world.supervisor, iw.tx) and todos_for(purchaser, iw.tx)
    open_quotes(iw)
    assert todos_for(iw.world.supervisor, iw.tx) == []
    member = iw.tx.panel.filter(round=iw.tx.round).first().user
    assert todos_for(member, iw.tx)  # assess and sign
    assess_all(iw)
    assert todos_for(member, iw.tx) == []
    transaction_transition(code=iw.tx.code, action="complete_evaluation", user=clerk)
    [confirm] = todos_for(purchaser, iw.tx)
    assert confirm.due is not None and confirm.rule  # by when, and by which rule
    transaction_transition(code=iw.tx.code, action="confirm_award", user=purchaser)
    assert todos_for(purchaser, iw.tx) == []


def test_every_notice_reaches_the_people_it_concerns_by_e_mail(iw):
    form_group(iw)
    issue_notice(iw)
    for index, price in enumerate(PRICES):
        submit_quote(iw, index, price)
    pass_deadline(iw)
    open_quotes(iw)
    assess_all(iw)
    transaction_transition(code=iw.tx.code, action="complete_evaluation", user=iw.world.clerk)
    transaction_transition(code=iw.tx.code, action="confirm_award", user=iw.world.purchaser)
    transaction_transition(code=iw.tx.code, action="publish_result", user=iw.world.clerk)
    settle()
    for notice in Notice.objects.filter(transaction=iw.tx):
        sent = [m for m in mail.outbox if m.subject == notice.title and m.body.startswith(notice.body)]
        assert sent, f"no e-mail for the notice {notice.title}"
        if notice.addressee_id:  # an award or result letter: its company's representatives only
            assert {a for m in sent for a in m.to} == {f"{u.username}@example.cn"
                                                      for u in notice.addressee.representatives.all()}
    winner_user = iw.suppliers[1][0]
    inbox = Message.objects.filter(recipient=winner_user)
    assert inbox.filter(subject__contains=iw.tx.code).exists()
    # Nobody was told anything before its time: no bidder got a message naming another bidder.
    for user, company in iw.suppliers:
        others = [c.name for _u, c in iw.suppliers if c != company]
        before_result = Message.objects.filter(recipient=user).exclude(kind="notice")
        assert not any(name in m.body for m in before_result for name in others)


def test_the_inbox_page_lists_and_reads_messages(iw):
    form_group(iw)
    issue_notice(iw)
    bidder = iw.suppliers[0][0]
    client = Client()
    client.force_login(bidder)
    home = client.get("/work/")
    assert home.status_code == 200 and iw.tx.code.encode() in home.content
    page = client.get("/work/inbox/")
    assert page.status_code == 200
    message = Message.objects.filter(recipient=bidder).first()
    assert message is not None and message.subject.encode() in page.content
    assert client.get(f"/work/inbox/{message.pk}/").status_code == 200
    message.refresh_from_db()
    assert message.read_at is not None
    other = iw.suppliers[1][0]
    other_client = Client()
    other_client.force_login(other)
    assert other_client.get(f"/work/inbox/{message.pk}/").status_code == 404  # not theirs


def test_a_mail_server_that_is_down_is_recorded_and_tried_again(iw, monkeypatch):
    calls = []

    def down(**kwargs):
        calls.append(kwargs)
        raise SMTPServerDisconnected("connection refused")

    monkeypatch.setattr(messages, "send_mail", down)
    user = iw.world.purchaser
    [message] = messages.message_send(recipients=[user], subject="测试", body="内容")
    with pytest.raises(SMTPServerDisconnected):
        messages.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.emailed_at is None and "connection refused" in message.email_error
    from trading.tasks import deliver_message

    assert issubclass(SMTPServerDisconnected, tuple(deliver_message.autoretry_for))  # the task retries it
    monkeypatch.undo()
    messages.message_deliver(message.pk)
    message.refresh_from_db()
    assert message.emailed_at is not None and message.email_error == ""


def test_the_sms_hook_is_called_when_a_gateway_is_configured(iw, settings):
    sent = []

    class Gateway:
        def send(self, user, text):
            sent.append((user.pk, text))

    settings.SMS_BACKEND = f"{__name__}.GATEWAY"
    globals()["GATEWAY"] = Gateway
    [message] = messages.message_send(recipients=[iw.world.clerk], subject="待办", body="内容",
                                      link=f"/work/transactions/{iw.tx.code}/")
    messages.message_deliver(message.pk)
    assert sent and sent[0][0] == iw.world.clerk.pk and iw.tx.code in sent[0][1]
