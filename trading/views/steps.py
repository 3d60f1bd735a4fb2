"""The fields of the shared steps' forms (templates/steps/): what `prg` needs to show a
refusal at the field. Every procedure that composes the step uses these."""

from django.utils.translation import gettext_lazy

from . import prg


def contract_fields(rule_prefix: str) -> dict:
    """The contract form's fields; `rule_prefix` names the procedure's amount rule
    (e.g. "tender" for tender.contract_amount)."""
    return {
        "amount": prg.Field("id_contract_amount", gettext_lazy("contract amount"), f"{rule_prefix}.contract_amount"),
        "signed_on": prg.Field("id_signed_on"),
        "file": prg.Field("id_contract_file", gettext_lazy("file name")),
    }


ACCEPTANCE_FIELDS = {
    "accepted_on": prg.Field("id_accepted_on"),
    "conclusion": prg.Field("id_conclusion_passed", "passed"),
    "remarks": prg.Field("id_acceptance_remarks", gettext_lazy("acceptance remarks")),
    "file": prg.Field("id_acceptance_file", gettext_lazy("file name")),
}
