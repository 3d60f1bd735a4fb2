"""After the deal: the confirmation (成交确认书, a PDF carrying the deal's ledger seq and the
checkpoint covering it), the payment within `payment_working_days` (recorded; on default
the buyer's deposit is forfeit, recorded, and the asset is relisted: the rule chosen,
docs/procedures/asset-sale.md), the result publicised for at least
`result_publicity_working_days` with the appraised value, the reserve and the price, the
transfer, and a relisting as a new round after an unsold close or no sale."""

from datetime import date, datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.core.entry import format_ts
from trading import deadlines
from trading.errors import InvalidInput, RuleViolation
from trading.models import DocumentPurpose, Milestone, NoticeKind, Role
from trading.money import parse_yuan
from trading.services.milestones import milestone_reach
from trading.services.notices import notice_publish
from trading.services.transactions import store_document
from trading.services.transitions import transaction_transition

from ..records import BuyerRegistration, SaleRound
from .appraisal import attach_or_reuse
from .common import local, param, round_of, source, yuan
from .confirmation import confirmation_pdf, deal_checkpoint


def confirm_deal(tx, *, user, now) -> dict:
    record = round_of(tx)
    seq, checkpoint = deal_checkpoint(tx)
    record.payment_due_by = deadlines.within_working_days(tx, now, param(tx, "payment_working_days"))
    pdf = confirmation_pdf(tx, record, seq=seq, checkpoint=checkpoint, confirmed_at=now,
                           payment_due_by=record.payment_due_by)
    document = store_document(transaction=tx, user=user, purpose=DocumentPurpose.OTHER, role=Role.CLERK,
                              upload=SimpleUploadedFile(f"{tx.code}-r{tx.round}-confirmation.pdf", pdf,
                                                        content_type="application/pdf"))
    record.confirmation_document, record.deal_seq, record.checkpoint_size = document, seq, checkpoint.size
    record.confirmed_at = now
    record.save()
    notice_publish(tx, kind=NoticeKind.CONFIRMATION, user=user, now=now,
                   title=_("Confirmation of the deal (成交确认书): %(code)s") % {"code": tx.code},
                   body=_("%(code)s %(title)s, round %(round)d: sold to %(buyer)s (%(uscc)s) at %(price)s yuan. "
                          "The deal is ledger entry %(seq)d, covered by the signed checkpoint of size %(size)d. "
                          "The confirmation (PDF, SHA-256 %(sha)s) is signed by the parties; the price is paid by "
                          "%(due)s.")
                   % {"code": tx.code, "title": tx.title, "round": tx.round, "buyer": record.buyer.name,
                      "uscc": record.buyer.uscc, "price": yuan(record.price), "seq": seq, "size": checkpoint.size,
                      "sha": document.sha256, "due": local(record.payment_due_by)})
    return {"round": tx.round, "deal_seq": seq, "checkpoint_size": checkpoint.size,
            "confirmation_sha256": document.sha256, "payment_due_by": format_ts(record.payment_due_by)}


def asset_record_payment(*, code, user, amount, paid_on, expected_stage=None):
    amount = parse_yuan(amount, field=_("amount paid"))
    if isinstance(paid_on, datetime) or not isinstance(paid_on, date):
        raise InvalidInput(_("the payment date: give a date like 2026-12-20"), field="paid_on")
    return transaction_transition(code=code, action="record_payment", user=user, expected_stage=expected_stage,
                                  amount=amount, paid_on=paid_on)


def record_payment(tx, *, now, amount, paid_on) -> dict:
    record = round_of(tx)
    if paid_on > timezone.localtime(now).date():
        raise InvalidInput(_("the payment date cannot be in the future"), field="paid_on")
    if amount != record.price:
        raise RuleViolation(_("the amount paid is the price, %(price)s yuan; recorded %(amount)s (%(source)s)")
                            % {"price": yuan(record.price), "amount": yuan(amount),
                               "source": source(tx, "payment_working_days")}, rule="asset_sale.payment_amount")
    record.paid_on, record.paid_amount, record.paid_recorded_at = paid_on, amount, now
    record.save()
    return {"round": tx.round, "amount": f"{amount:.2f}", "paid_on": paid_on.isoformat()}


def payment_default(tx, *, now) -> dict:
    """The price was not paid within the period: the buyer's deposit is forfeit, and the
    asset is relisted as a new round (the defaulting buyer may not register again)."""
    record = round_of(tx)
    registration = BuyerRegistration.objects.filter(sale_round=record, company=record.buyer).first()
    registration.deposit_forfeited_at = now
    registration.save(update_fields=["deposit_forfeited_at"])
    record.defaulted_at = now
    record.save(update_fields=["defaulted_at"])
    reason = _("%(buyer)s did not pay the price by %(due)s: its deposit of %(deposit)s yuan is forfeit; the asset is "
               "relisted (%(source)s)") % {"buyer": record.buyer.name, "due": local(record.payment_due_by),
                                           "deposit": yuan(registration.deposit_amount),
                                           "source": source(tx, "payment_working_days")}
    tx.reason = reason
    notice_publish(tx, kind=NoticeKind.FAILURE, now=now,
                   title=_("Payment default: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                   body=reason)
    return {"round": tx.round, "buyer": record.buyer.name, "uscc": record.buyer.uscc,
            "deposit_forfeited": f"{registration.deposit_amount:.2f}", "next": "relist"}


def publish_result(tx, *, user, now) -> dict:
    record = round_of(tx)
    record.publicity_until = deadlines.within_working_days(tx, now, param(tx, "result_publicity_working_days"))
    notice = notice_publish(tx, kind=NoticeKind.RESULT, user=user, now=now,
                            title=_("Result notice: %(title)s (%(code)s)") % {"title": tx.title, "code": tx.code},
                            body=result_text(tx, record))
    record.result_notice = notice
    record.save()
    milestone_reach(tx, Milestone.RESULT_PUBLISHED, at=now)
    return {"round": tx.round, "result_sha256": notice.sha256, "appraised_value": f"{record.appraised_value:.2f}",
            "reserve_price": f"{record.reserve_price:.2f}", "price": f"{record.price:.2f}",
            "buyer": record.buyer.name, "uscc": record.buyer.uscc,
            "publicity_until": format_ts(record.publicity_until)}


def result_text(tx, record) -> str:
    return "\n".join([
        _("Transaction %(code)s: %(title)s, round %(round)d") % {"code": tx.code, "title": tx.title,
                                                                 "round": tx.round},
        _("Seller: %(unit)s") % {"unit": tx.unit},
        _("Buyer: %(buyer)s (%(uscc)s)") % {"buyer": record.buyer.name, "uscc": record.buyer.uscc},
        _("Method: %(method)s") % {"method": record.get_deal_method_display()},
        _("Appraised value: %(value)s yuan") % {"value": yuan(record.appraised_value)},
        _("Reserve price: %(value)s yuan") % {"value": yuan(record.reserve_price)},
        _("Price: %(value)s yuan, paid %(date)s") % {"value": yuan(record.price), "date": record.paid_on.isoformat()},
        _("Deal: ledger entry %(seq)d (checkpoint of size %(size)d)") % {"seq": record.deal_seq,
                                                                          "size": record.checkpoint_size},
        _("Publicised until %(until)s (%(source)s)") % {"until": local(record.publicity_until),
                                                         "source": source(tx, "result_publicity_working_days")},
    ])


def asset_record_transfer(*, code, user, transferred_on, upload, expected_stage=None):
    if isinstance(transferred_on, datetime) or not isinstance(transferred_on, date):
        raise InvalidInput(_("the transfer date: give a date like 2026-12-20"), field="transferred_on")
    if upload is None:
        raise InvalidInput(_("attach the signed transfer document"), field="file")
    return transaction_transition(code=code, action="record_transfer", user=user, expected_stage=expected_stage,
                                  transferred_on=transferred_on, upload=upload)


def record_transfer(tx, *, user, now, transferred_on, upload) -> dict:
    if transferred_on > timezone.localtime(now).date():
        raise InvalidInput(_("the transfer date cannot be in the future"), field="transferred_on")
    document = attach_or_reuse(tx, user=user, upload=upload, purpose=DocumentPurpose.CONTRACT, role=Role.PURCHASER)
    record = round_of(tx)
    record.transferred_on, record.transfer_document = transferred_on, document
    record.save()
    milestone_reach(tx, Milestone.CONTRACTED, at=now)
    return {"round": tx.round, "transferred_on": transferred_on.isoformat(), "document_sha256": document.sha256}


def relist(tx, *, now) -> dict:
    """A new round of the same code, with the appraisal of the round before (a new one is
    needed if it is too old to list on: the listing checks)."""
    before = round_of(tx)
    tx.round += 1
    tx.reason = ""
    SaleRound.objects.create(transaction_id=tx.pk, round=tx.round, appraiser=before.appraiser,
                             appraised_value=before.appraised_value, appraised_on=before.appraised_on,
                             appraisal_document=before.appraisal_document,
                             appraisal_recorded_at=before.appraisal_recorded_at)
    return {"round": tx.round, "appraised_value": f"{before.appraised_value:.2f}"}

