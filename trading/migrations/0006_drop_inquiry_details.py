"""The inquiry's acceptance moves to bidding's `Acceptance` (a step every procedure has);
`InquiryDetails` is gone (its round records are `InquiryRound` since 0005, its quote
deadline the bid round's since bidding 0002)."""

from django.db import migrations
from django.utils import timezone


def copy_acceptances(apps, schema_editor):
    InquiryDetails = apps.get_model("trading", "InquiryDetails")
    Contract = apps.get_model("bidding", "Contract")
    Acceptance = apps.get_model("bidding", "Acceptance")
    for d in InquiryDetails.objects.filter(accepted_on__isnull=False):
        contract = Contract.objects.filter(transaction_id=d.transaction_id).first()
        if contract is not None and not Acceptance.objects.filter(contract=contract).exists():
            Acceptance.objects.create(contract=contract, accepted_on=d.accepted_on, passed=bool(d.acceptance_passed),
                                      remarks=d.acceptance_remarks, document_sha256=d.acceptance_sha256,
                                      recorded_at=timezone.now(), recorded_by_id=contract.recorded_by_id)


class Migration(migrations.Migration):

    dependencies = [
        ("trading", "0005_milestones_inquiry_rounds"),
        ("bidding", "0002_bid_rounds"),
    ]

    operations = [
        migrations.RunPython(copy_acceptances, migrations.RunPython.noop),
        migrations.DeleteModel(name="InquiryDetails"),
    ]
