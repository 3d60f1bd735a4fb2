"""Random draws that anyone can check afterwards (docs/draws.md).

Commit, then draw, then reveal: the draw's inputs (eligible pool numbers, those recused
and why, how many, a random salt) are committed to by their SHA-256 in a `draw.announced`
ledger entry; the seed hashes the root of the first checkpoint signed after that entry
with the transaction code, the commitment and the salt, so nobody knows it when the
inputs are fixed and nobody outside the station before the reveal (the salt and the seed
stay in this table until then); when secrecy ends (quotes opened for suppliers, result
published for experts) the inputs, the seed and the result are published in
`draw.revealed`, and anyone can recompute.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DrawPurpose(models.TextChoices):
    EXPERTS = "experts", _("experts for the inquiry group")
    SUPPLIERS = "suppliers", _("suppliers to invite")


class Draw(models.Model):
    transaction = models.ForeignKey("trading.Transaction", on_delete=models.PROTECT, related_name="draws")
    round = models.PositiveSmallIntegerField(default=1)
    purpose = models.CharField(_("purpose"), max_length=16, choices=DrawPurpose.choices)
    count = models.PositiveSmallIntegerField(_("how many"))
    candidates = models.JSONField(_("eligible pool numbers"))  # sorted list of strings
    excluded = models.JSONField(_("recused"), default=list)  # [{"number": ..., "reason": ...}]
    salt = models.CharField(max_length=64)
    commitment = models.CharField(max_length=64)
    announced_at = models.DateTimeField()
    announced_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seed_checkpoint_size = models.BigIntegerField(null=True, blank=True)
    seed = models.CharField(max_length=64, blank=True)
    result = models.JSONField(default=list)  # pool numbers, in the order drawn
    performed_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        ordering = ["announced_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "round", "purpose"], name="bidding_draw_once"),
        ]

    def __str__(self):
        return f"{self.transaction.code} {self.purpose} r{self.round}"
