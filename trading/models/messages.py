"""Messages: what the platform sent to one person (an invitation to quote, a notice that
concerns them, a step that waits for them), kept as their inbox and sent by e-mail (and SMS
where a station plugs a gateway in: settings.SMS_BACKEND). trading/services/messages.py
sends them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .transactions import Transaction


class MessageKind(models.TextChoices):
    NOTICE = "notice", _("notice")
    INVITATION = "invitation", _("invitation")
    TODO = "todo", _("a step waits for you")
    CHALLENGE = "challenge", _("challenge")
    ACCOUNT = "account", _("account")


class Message(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="messages")
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    link = models.CharField(max_length=300, blank=True)  # a path on the site
    created_at = models.DateTimeField(_("sent at"))
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)
    texted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="trading_message_inbox")]

    def __str__(self):
        return self.subject
