"""After the result: challenges within the challenge period (each pauses the contract step
until answered), the contract, the acceptance (履约验收), and a new round after a
termination by the quote rules."""


from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bidding.models import Admission, Award
from bidding.services import challenges, contracts
from trading.errors import StageConflict
from trading.services.transitions import transaction_transition

from ..records import InquiryStage
from .common import bid_round_of, clerk_transaction, find, round_of, source


def challenge_file(*, code, user, company, text, upload=None):
    """A supplier that was invited challenges the result within the challenge period, with
    an optional attached file (`upload`). `company`: the Company, or its record number as a
    form or API client posts it."""
    tx = find(code)
    if tx.stage != InquiryStage.RESULT_PUBLISHED:
        raise StageConflict(_("a challenge is filed while the result's challenge period runs"))
    bid_round = bid_round_of(tx)
    invited = [a.company for a in Admission.objects.filter(bid_round=bid_round).select_related("company")]
    return challenges.challenge_file(transaction=tx, user=user, company=company, text=text,
                                     until=round_of(tx).challenge_until, eligible=invited,
                                     represented_by=bid_round.deadline,
                                     period_rule="inquiry.challenge_period",
                                     period_source=source(tx, "challenge_working_days"), upload=upload)


def challenge_answer(*, code, user, challenge_id, answer):
    with db_transaction.atomic():
        tx = clerk_transaction(code, user, stages=[InquiryStage.RESULT_PUBLISHED])
    return challenges.challenge_answer(transaction=tx, user=user, challenge_id=challenge_id, answer=answer)


def close_challenges(tx) -> dict:
    return {"round": tx.round}


def inquiry_record_contract(*, code, user, amount, signed_on, upload, expected_stage=None):
    amount = contracts.contract_input(amount=amount, signed_on=signed_on, upload=upload)
    return transaction_transition(code=code, action="record_contract", user=user, expected_stage=expected_stage,
                                  amount=amount, signed_on=signed_on, upload=upload)


def record_contract(tx, *, user, amount, signed_on, upload) -> dict:
    record = round_of(tx)
    award = Award.objects.select_related("bid__company").get(transaction_id=tx.pk, round=tx.round)
    data = contracts.contract_record(transaction=tx, award=award, user=user, amount=amount, signed_on=signed_on,
                                     upload=upload, awarded_at=record.awarded_at, rule_prefix="inquiry")
    if signed_on > timezone.localtime(record.contract_due_by).date():
        data["late"] = True  # a warning sign for supervisors
    return data


def inquiry_record_acceptance(*, code, user, accepted_on, passed, remarks, upload, expected_stage=None):
    """The purchaser records the performance check (履约验收): date, conclusion, remarks and
    the signed acceptance report; then the clerk may archive."""
    remarks = contracts.acceptance_input(accepted_on=accepted_on, passed=passed, remarks=remarks, upload=upload)
    return transaction_transition(code=code, action="record_acceptance", user=user, expected_stage=expected_stage,
                                  accepted_on=accepted_on, passed=passed, remarks=remarks, upload=upload)


def record_acceptance(tx, *, user, accepted_on, passed, remarks, upload) -> dict:
    return contracts.acceptance_record(transaction=tx, user=user, accepted_on=accepted_on, passed=passed,
                                       remarks=remarks, upload=upload)


def restart(tx) -> dict:
    """A new round of the same code: new records, a new bid round at the next notice."""
    tx.round += 1
    tx.reason = ""
    return {"round": tx.round}
