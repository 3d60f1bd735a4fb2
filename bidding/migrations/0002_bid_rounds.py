"""Bid rounds: the procedure-neutral frame of sealed offers (docs/architecture.md).

Quotes become `Bid`s and invitations `Admission`s of a `BidRound`, which holds the window,
the policy, the parts, and (through its opening keys and openings) the custodians and the
opening record. Existing rows get the round they belonged to: one bid round per round of
an inquiry, its deadline the inquiry's quote deadline (or, for an earlier round, the last
quote's arrival), closed if the procedure moved past quoting. Offers keep the identity
they were submitted under. Also: scores, acceptances, challenge kinds, custodian share
tries, and representatives with the date they joined.
"""

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

QUOTING_STAGES = {"registered", "group_formed", "notice_issued", "quoting"}


def make_rounds(apps, schema_editor):
    BidRound = apps.get_model("bidding", "BidRound")
    Admission = apps.get_model("bidding", "Admission")
    Bid = apps.get_model("bidding", "Bid")
    OpeningKey = apps.get_model("bidding", "OpeningKey")
    Opening = apps.get_model("bidding", "Opening")
    InquiryDetails = apps.get_model("trading", "InquiryDetails")
    Transaction = apps.get_model("trading", "Transaction")
    pairs = set()
    for model in (Admission, Bid, OpeningKey, Opening):
        pairs |= set(model.objects.values_list("transaction_id", "round"))
    for transaction_id, number in sorted(pairs):
        tx = Transaction.objects.get(pk=transaction_id)
        details = InquiryDetails.objects.filter(transaction_id=transaction_id).first()
        arrivals = sorted(Bid.objects.filter(transaction_id=transaction_id, round=number)
                          .values_list("received_at", flat=True))
        admitted = sorted(Admission.objects.filter(transaction_id=transaction_id, round=number)
                          .values_list("invited_at", flat=True))
        current = details is not None and details.round == number and details.quote_deadline is not None
        opens_at = (details.quoting_opens_at if current and details.quoting_opens_at else
                    (admitted[0] if admitted else (arrivals[0] if arrivals else timezone.now())))
        deadline = details.quote_deadline if current else (arrivals[-1] if arrivals else opens_at)
        if deadline <= opens_at:
            deadline = opens_at + timedelta(microseconds=1)
        closed = number < tx.round or tx.stage not in QUOTING_STAGES
        bid_round = BidRound.objects.create(
            transaction_id=transaction_id, seq=number, procedure_round=number, opens_at=opens_at, deadline=deadline,
            grace_seconds=3, admission="invited", policy="once", parts=["offer"], created_at=opens_at,
            closed_at=deadline if closed else None, cancelled=False)
        for model in (Admission, Bid, OpeningKey, Opening):
            model.objects.filter(transaction_id=transaction_id, round=number).update(bid_round=bid_round)
    for bid in Bid.objects.select_related("company"):
        Bid.objects.filter(pk=bid.pk).update(bidder_uscc=bid.company.uscc, bidder_name=bid.company.name)


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("bidding", "0001_initial"),
        ("trading", "0005_milestones_inquiry_rounds"),
    ]

    operations = [
        migrations.CreateModel(
            name="BidRound",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveSmallIntegerField(verbose_name="bid round")),
                ("procedure_round", models.PositiveSmallIntegerField(verbose_name="round of the procedure")),
                ("opens_at", models.DateTimeField(verbose_name="opens at")),
                ("deadline", models.DateTimeField(verbose_name="deadline")),
                ("grace_seconds", models.PositiveSmallIntegerField(default=3)),
                ("admission", models.CharField(choices=[("invited", "invited parties"),
                                                        ("registered", "registered and qualified parties")],
                                               default="invited", max_length=16)),
                ("policy", models.CharField(choices=[
                    ("once", "one sealed offer per party, which cannot be changed"),
                    ("replaceable", "an offer may be replaced until the deadline"),
                    ("withdrawable", "an offer may be replaced or withdrawn until the deadline")],
                    default="once", max_length=16)),
                ("parts", models.JSONField(default=list)),
                ("created_at", models.DateTimeField()),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                ("cancelled", models.BooleanField(default=False)),
                ("transaction", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                  related_name="bid_rounds", to="trading.transaction")),
            ],
            options={
                "verbose_name": "bid round",
                "verbose_name_plural": "bid rounds",
                "ordering": ["transaction", "seq"],
                "constraints": [
                    models.UniqueConstraint(fields=("transaction", "seq"), name="bidding_round_seq_once"),
                    models.CheckConstraint(condition=models.Q(("deadline__gt", models.F("opens_at"))),
                                           name="bidding_round_deadline_after_opening"),
                ],
            },
        ),
        # Invitations become admissions of a round.
        migrations.RemoveConstraint(model_name="invitation", name="bidding_invitation_once"),
        migrations.RenameModel(old_name="Invitation", new_name="Admission"),
        migrations.RenameField(model_name="admission", old_name="invited_at", new_name="admitted_at"),
        migrations.AlterField(
            model_name="admission", name="method",
            field=models.CharField(choices=[("draw", "random draw from the supplier pool"),
                                            ("notice", "public notice"),
                                            ("recommendation", "written recommendation"),
                                            ("registration", "registered for the procedure")], max_length=16)),
        migrations.AlterField(
            model_name="admission", name="company",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="admissions",
                                    to="bidding.company")),
        migrations.AlterField(
            model_name="admission", name="transaction",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="admissions",
                                    to="trading.transaction")),
        migrations.AddField(
            model_name="admission", name="bid_round",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="admissions", to="bidding.bidround")),
        # Quotes become bids of a round.
        migrations.RemoveConstraint(model_name="quote", name="bidding_quote_once"),
        migrations.RemoveConstraint(model_name="assessment", name="bidding_assessment_once"),
        migrations.RenameModel(old_name="Quote", new_name="Bid"),
        migrations.AlterModelOptions(
            name="bid",
            options={"ordering": ["received_at", "pk"], "verbose_name": "sealed offer",
                     "verbose_name_plural": "sealed offers"}),
        migrations.AlterField(
            model_name="bid", name="company",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="bids",
                                    to="bidding.company")),
        migrations.AlterField(
            model_name="bid", name="transaction",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="bids",
                                    to="trading.transaction")),
        migrations.AddField(
            model_name="bid", name="bid_round",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="bids",
                                    to="bidding.bidround")),
        migrations.AddField(model_name="bid", name="part", field=models.CharField(default="offer", max_length=16)),
        migrations.AddField(model_name="bid", name="bidder_uscc",
                            field=models.CharField(default="", max_length=18), preserve_default=False),
        migrations.AddField(model_name="bid", name="bidder_name",
                            field=models.CharField(default="", max_length=200), preserve_default=False),
        migrations.AddField(
            model_name="bid", name="status",
            field=models.CharField(choices=[("live", "live"), ("superseded", "replaced by a later offer"),
                                            ("withdrawn", "withdrawn")], default="live", max_length=12)),
        migrations.AddField(model_name="bid", name="superseded_at",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="bid", name="withdrawn_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="bid", name="withdrawal_receipt", field=models.TextField(blank=True)),
        migrations.RenameField(model_name="openingrecord", old_name="quote", new_name="bid"),
        migrations.RenameField(model_name="assessment", old_name="quote", new_name="bid"),
        migrations.RenameField(model_name="award", old_name="quote", new_name="bid"),
        # Opening keys and openings belong to a round and a part.
        migrations.RemoveConstraint(model_name="openingkey", name="bidding_opening_key_once"),
        migrations.AddField(
            model_name="openingkey", name="bid_round",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="opening_keys", to="bidding.bidround")),
        migrations.AddField(model_name="openingkey", name="part",
                            field=models.CharField(default="offer", max_length=16)),
        migrations.RemoveConstraint(model_name="opening", name="bidding_opening_once"),
        migrations.AddField(
            model_name="opening", name="bid_round",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="openings", to="bidding.bidround")),
        migrations.AddField(model_name="opening", name="part", field=models.CharField(default="offer", max_length=16)),
        migrations.RunPython(make_rounds, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="admission", name="bid_round",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="admissions",
                                    to="bidding.bidround")),
        migrations.AlterField(
            model_name="bid", name="bid_round",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="bids",
                                    to="bidding.bidround")),
        migrations.AlterField(
            model_name="openingkey", name="bid_round",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="opening_keys",
                                    to="bidding.bidround")),
        migrations.AlterField(
            model_name="opening", name="bid_round",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="openings",
                                    to="bidding.bidround")),
        migrations.RemoveField(model_name="admission", name="round"),
        migrations.RemoveField(model_name="bid", name="round"),
        migrations.RemoveField(model_name="openingkey", name="round"),
        migrations.RemoveField(model_name="openingkey", name="transaction"),
        migrations.RemoveField(model_name="opening", name="round"),
        migrations.AddConstraint(
            model_name="admission",
            constraint=models.UniqueConstraint(fields=("bid_round", "company"), name="bidding_admission_once")),
        migrations.AddConstraint(
            model_name="bid",
            constraint=models.UniqueConstraint(condition=models.Q(("status", "live")),
                                               fields=("bid_round", "company", "part"), name="bidding_bid_live_once")),
        migrations.AddIndex(
            model_name="bid", index=models.Index(fields=["bid_round", "status"], name="bidding_bid_round_status")),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.UniqueConstraint(fields=("member", "bid"), name="bidding_assessment_once")),
        migrations.AddConstraint(
            model_name="openingkey",
            constraint=models.UniqueConstraint(fields=("bid_round", "part"), name="bidding_opening_key_once")),
        migrations.AddConstraint(
            model_name="opening",
            constraint=models.UniqueConstraint(fields=("bid_round", "part"), name="bidding_opening_once")),
        # Custodians' wrong shares at an opening are counted.
        migrations.AddField(model_name="custodianshare", name="failed_tries",
                            field=models.PositiveSmallIntegerField(default=0)),
        migrations.AddField(model_name="custodianshare", name="last_failed_at",
                            field=models.DateTimeField(blank=True, null=True)),
        # Scores, acceptances, kinds of challenges.
        migrations.CreateModel(
            name="Score",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("criterion", models.CharField(max_length=32)),
                ("points", models.DecimalField(decimal_places=2, max_digits=6)),
                ("scored_at", models.DateTimeField(auto_now=True)),
                ("bid", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="scores",
                                          to="bidding.bid")),
                ("member", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="scores",
                                             to="bidding.panelmember")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("member", "bid", "criterion"), name="bidding_score_once"),
                    models.CheckConstraint(condition=models.Q(("points__gte", 0)), name="bidding_score_not_negative"),
                ],
            },
        ),
        migrations.CreateModel(
            name="Acceptance",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("accepted_on", models.DateField(verbose_name="accepted on")),
                ("passed", models.BooleanField(verbose_name="acceptance passed")),
                ("remarks", models.TextField(blank=True, verbose_name="acceptance remarks")),
                ("document_sha256", models.CharField(max_length=64)),
                ("recorded_at", models.DateTimeField()),
                ("contract", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                                  related_name="acceptance", to="bidding.contract")),
                ("recorded_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                  to=settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "acceptance", "verbose_name_plural": "acceptances"},
        ),
        migrations.AddField(
            model_name="challenge", name="kind",
            field=models.CharField(choices=[("result", "challenge to the result (质疑)"),
                                            ("documents", "objection to the documents (异议)"),
                                            ("opening", "objection at the opening"),
                                            ("candidates", "objection to the candidates")],
                                   default="result", max_length=16)),
        # Representatives, with the date they joined (the M2M table is kept).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Representation",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("company", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                      related_name="representations", to="bidding.company")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="representations", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"db_table": "bidding_company_representatives", "verbose_name": "representative",
                             "verbose_name_plural": "representatives"},
                ),
                migrations.AlterField(
                    model_name="company", name="representatives",
                    field=models.ManyToManyField(blank=True, related_name="companies", through="bidding.Representation",
                                                 to=settings.AUTH_USER_MODEL)),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="representation", name="since",
            field=models.DateTimeField(default=timezone.now, verbose_name="representative since"),
            preserve_default=False),
        migrations.AddConstraint(
            model_name="representation",
            constraint=models.UniqueConstraint(fields=("company", "user"), name="bidding_company_representatives_once")),
    ]
