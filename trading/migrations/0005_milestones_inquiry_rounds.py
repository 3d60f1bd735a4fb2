"""One clock, milestones, and the inquiry's records per round (docs/architecture.md).

* `time_origin` goes: a sandbox transaction no longer runs a faster clock, its periods are
  compressed (docs/clock.md); `time_factor` stays as the sandbox's mark.
* `Milestone`: what a transaction reached, from which visibility is decided.
* `Notice.changes`: a change notice names the notice it changes; new notice kinds and
  document purposes (contract, acceptance report) for the procedures.
* `InquiryRound`: what each round of an inquiry fixes, copied from `InquiryDetails` (whose
  quote deadline moves to bidding's bid round, and acceptance to bidding's `Acceptance`,
  in bidding 0002 and trading 0006, which then drop it).
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_inquiry_rounds(apps, schema_editor):
    InquiryDetails = apps.get_model("trading", "InquiryDetails")
    InquiryRound = apps.get_model("trading", "InquiryRound")
    Milestone = apps.get_model("trading", "Milestone")
    for d in InquiryDetails.objects.all():
        InquiryRound.objects.create(
            transaction_id=d.transaction_id, round=d.round, price_composition=d.price_composition,
            award_criterion=d.award_criterion,
            invitation_method=d.invitation_method if d.invitation_method in ("draw", "recommendation") else "",
            notice_issued_at=d.notice_issued_at, evaluated_at=d.evaluated_at, confirm_by=d.confirm_by,
            awarded_at=d.awarded_at, result_due_by=d.result_due_by, result_published_at=d.result_published_at,
            challenge_until=d.challenge_until, contract_due_by=d.contract_due_by,
            terminated_by_rule=d.terminated_by_rule)
        for name, moment in (("evaluated", d.evaluated_at), ("awarded", d.awarded_at),
                             ("result_published", d.result_published_at)):
            if moment is not None:
                Milestone.objects.get_or_create(transaction_id=d.transaction_id, round=d.round, name=name,
                                                defaults={"reached_at": moment})


class Migration(migrations.Migration):

    dependencies = [
        ("trading", "0004_inquiry_acceptance"),
    ]

    operations = [
        migrations.RemoveField(model_name="transaction", name="time_origin"),
        migrations.CreateModel(
            name="Milestone",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("round", models.PositiveSmallIntegerField()),
                ("name", models.CharField(max_length=32)),
                ("reached_at", models.DateTimeField()),
                ("transaction", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                  related_name="milestones", to="trading.transaction")),
            ],
            options={
                "ordering": ["reached_at", "pk"],
                "constraints": [models.UniqueConstraint(fields=("transaction", "round", "name"),
                                                        name="trading_milestone_once")],
            },
        ),
        migrations.AddField(
            model_name="notice",
            name="changes",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="changed_by", to="trading.notice"),
        ),
        migrations.AlterField(
            model_name="notice",
            name="kind",
            field=models.CharField(choices=[
                ("inquiry_notice", "inquiry notice"), ("tender_notice", "tender notice"),
                ("disclosure", "disclosure notice"), ("clarification", "clarification or change"),
                ("failure", "failure notice"), ("candidates", "candidates notice"),
                ("confirmation", "confirmation of the deal"), ("result", "result notice"),
                ("termination", "termination notice"), ("award", "award notice to the supplier"),
                ("outcome", "result notice to a supplier"), ("challenge_answer", "answer to a challenge"),
                ("contract", "contract notice")], max_length=20, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="document",
            name="purpose",
            field=models.CharField(choices=[
                ("approval", "approval document"), ("budget", "budget or appraisal report"),
                ("specification", "specification or requirements"), ("contract", "signed contract"),
                ("acceptance", "acceptance report"), ("other", "other")],
                default="approval", max_length=16, verbose_name="purpose"),
        ),
        migrations.CreateModel(
            name="InquiryRound",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("round", models.PositiveSmallIntegerField(default=1)),
                ("price_composition", models.TextField(blank=True, verbose_name="price composition")),
                ("award_criterion", models.TextField(blank=True, verbose_name="award criterion")),
                ("invitation_method", models.CharField(blank=True, choices=[
                    ("draw", "random draw from the supplier pool"), ("recommendation", "written recommendation")],
                    max_length=16, verbose_name="how suppliers are invited")),
                ("invitation_note", models.TextField(blank=True, verbose_name="why not the drawn suppliers")),
                ("notice_issued_at", models.DateTimeField(blank=True, null=True)),
                ("evaluated_at", models.DateTimeField(blank=True, null=True)),
                ("confirm_by", models.DateTimeField(blank=True, null=True)),
                ("awarded_at", models.DateTimeField(blank=True, null=True)),
                ("result_due_by", models.DateTimeField(blank=True, null=True)),
                ("result_published_at", models.DateTimeField(blank=True, null=True)),
                ("challenge_until", models.DateTimeField(blank=True, null=True)),
                ("contract_due_by", models.DateTimeField(blank=True, null=True)),
                ("terminated_by_rule", models.BooleanField(default=False)),
                ("transaction", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                  related_name="inquiry_rounds", to="trading.transaction")),
            ],
            options={
                "verbose_name": "inquiry round",
                "constraints": [models.UniqueConstraint(fields=("transaction", "round"),
                                                        name="trading_inquiry_round_once")],
            },
        ),
        migrations.RunPython(copy_inquiry_rounds, migrations.RunPython.noop),
    ]
