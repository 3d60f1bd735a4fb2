"""Sending messages to people: the inbox row, then e-mail (and SMS where configured),
delivered after the change commits, through Celery with retries in production and
in-process in the embedded mode (docs/notifications.md).

* `message_send`: one message to each recipient (deduplicated), in the caller's database
  transaction; delivery is queued when it commits, so a change that rolls back sends
  nothing.
* `notify_waiting`: after a move, each person who takes part is told what now waits for
  them (their to-dos, computed: trading.selectors.todos_for).
* `message_deliver`: one message by e-mail (Django's mail framework: the console backend
  in the embedded mode, SMTP in production) and SMS (`settings.SMS_BACKEND`, a dotted
  path to a class with `send(user, text)`; none by default). Raises on a failure so that
  the task retries; records the error it last met.
"""

import logging

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from .. import clock, registry, selectors
from ..models import Message, MessageKind, Role, Transaction, User

logger = logging.getLogger(__name__)


def message_send(*, recipients, subject, body, transaction=None, link="", kind=MessageKind.NOTICE) -> list[Message]:
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    now = clock.now()
    messages = [Message.objects.create(recipient=user, transaction=transaction, kind=kind,
                                       subject=str(subject)[:200], body=str(body), link=link, created_at=now)
                for user in users.values()]
    for message in messages:
        db_transaction.on_commit(lambda pk=message.pk: _queue(pk), robust=True)
    return messages


def _queue(pk):
    # The task by its name in Celery's registry (trading/tasks.py imports this module):
    # in the embedded mode it runs here at once; in production a worker delivers it.
    current_app.tasks["trading.deliver_message"].delay(pk)


def message_deliver(pk: int) -> None:
    message = Message.objects.select_related("recipient").filter(pk=pk).first()
    if message is None:
        return
    user = message.recipient
    text = _email_text(message)
    try:
        if user.email and message.emailed_at is None:
            with override(settings.LANGUAGE_CODE):
                send_mail(subject=message.subject, message=text, from_email=settings.DEFAULT_FROM_EMAIL,
                          recipient_list=[user.email])
            Message.objects.filter(pk=pk).update(emailed_at=clock.now(), email_error="")
        sms = sms_backend()
        if sms is not None and message.texted_at is None:
            sms.send(user, f"{message.subject} {absolute(message.link)}".strip())
            Message.objects.filter(pk=pk).update(texted_at=clock.now())
    except Exception as exc:  # recorded, then re-raised for the task's retry
        Message.objects.filter(pk=pk).update(email_error=f"{type(exc).__name__}: {exc}"[:300])
        raise


def _email_text(message) -> str:
    parts = [message.body]
    if message.link:
        parts.append(_("Open it on the platform: %(url)s") % {"url": absolute(message.link)})
    parts.append(_("This message is also in your inbox on the platform."))
    return "\n\n".join(parts)


def absolute(link: str) -> str:
    if not link:
        return ""
    return settings.STATION_SITE_URL.rstrip("/") + link


def sms_backend():
    path = getattr(settings, "SMS_BACKEND", "")
    return import_string(path)() if path else None


def inbox(user):
    return Message.objects.filter(recipient=user).select_related("transaction")


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()


def message_read(*, user, pk) -> Message | None:
    message = Message.objects.filter(recipient=user, pk=pk).first()
    if message is not None and message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


class LogSMSBackend:
    """An SMS "gateway" for development and the demo: writes the text to the log."""

    def send(self, user, text):
        logger.info("SMS to user:%s: %s", user.pk, text)


def notify_waiting(transaction_pk: int, actor_pk: int | None = None) -> int:
    """After a move: tell each person who takes part in the transaction (the station's
    clerks, the owning unit's purchasers, and the participants other layers register) what
    now waits for them, unless they already have that message unread. Returns how many
    messages were sent. Run after the move commits (trading.notify_waiting task)."""
    tx = Transaction.objects.filter(pk=transaction_pk).first()
    if tx is None:
        return 0
    tx = tx.as_procedure()
    recipients = set(User.objects.filter(memberships__station_id=tx.station_id, memberships__role=Role.CLERK))
    recipients |= set(User.objects.filter(memberships__unit_id=tx.unit_id, memberships__role=Role.PURCHASER))
    recipients |= registry.participants(tx)
    sent = 0
    with override(settings.LANGUAGE_CODE):
        for user in sorted(recipients, key=lambda u: u.pk):
            if user.pk == actor_pk or not user.is_active:
                continue
            todos = selectors.todos_for(user, tx)
            if not todos:
                continue
            lines = [_("%(code)s %(title)s: what waits for you now") % {"code": tx.code, "title": tx.title}]
            for todo in todos:
                line = f"- {todo.label}"
                if todo.due:
                    line += " " + _("(by %(due)s, Beijing time)") % {
                        "due": timezone.localtime(todo.due).strftime("%Y-%m-%d %H:%M")}
                lines.append(line)
            body = "\n".join(lines)
            if Message.objects.filter(recipient=user, transaction=tx, kind=MessageKind.TODO, read_at__isnull=True,
                                      body=body).exists():
                continue
            with db_transaction.atomic():
                message_send(recipients=[user], transaction=tx, kind=MessageKind.TODO, body=body,
                             subject=_("%(code)s: a step waits for you") % {"code": tx.code},
                             link=todos[0].link)
            sent += 1
    return sent


def queue_notify_waiting(transaction, actor=None) -> None:
    """Called inside a move's database transaction: notify once it commits."""
    db_transaction.on_commit(
        lambda: current_app.tasks["trading.notify_waiting"].delay(transaction.pk, actor.pk if actor else None),
        robust=True)
