"""The rooms above the school gate: the asset sale's people, and helpers to walk it
through its services, for the asset sale tests."""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from bidding import crypto
from bidding.crypto import seal_quote
from bidding.models import CustodianShare, OpeningKey
from bidding.selectors_sealed import round_of as bid_round_of
from bidding.services.bids import bid_submit
from bidding.services.companies import company_register
from bidding.services.custodians import custodian_key_set, share_bundle
from bidding.uscc import check_character
from ledger.sequencer import ledger_run_sequencer
from tests.factories import make_transaction, make_user, make_world
from trading import clock
from trading.models import Role, Transaction
from trading.procedures.asset_sale import services
from trading.procedures.asset_sale.models import SaleRound
from trading.services.ticks import tick

BEIJING = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=BEIJING)
PASSPHRASES = {"clerk": "clerk-custodian-pass", "supervisor": "supervisor-custodian-pass",
               "school": "school-custodian-pass"}
APPRAISAL = "320000.00"


def uscc(n: int) -> str:
    base = f"9135020{n:02d}M000200Y"[:17]
    return base + check_character(base)


@dataclass
class SaleWorld:
    world: object
    buyers: list  # (user, company)
    tx: object = None
    extra: dict = field(default_factory=dict)


def make_sale_world(*, buyers=3):
    world = make_world()
    companies = []
    for i in range(buyers):
        user = make_user(full_name=f"竞买人代表{i + 1}", roles=[(Role.BIDDER, world.station, None)])
        company = company_register(user=user, uscc=uscc(i + 1), name=f"示范县第{i + 1}置业有限公司",
                                   contact_name=f"联系人{i + 1}", contact_phone="0591-8777000" + str(i))
        companies.append((user, company))
    custodian_key_set(user=world.clerk, passphrase=PASSPHRASES["clerk"])
    custodian_key_set(user=world.supervisor, passphrase=PASSPHRASES["supervisor"])
    custodian_key_set(user=world.purchaser, passphrase=PASSPHRASES["school"])
    tx = make_transaction(world, stage="registered", type="asset_sale", title="镇中学北门二楼房屋出售",
                          amount=APPRAISAL)
    return SaleWorld(world=world, buyers=companies, tx=tx)


def settle():
    """What production does within a second: sequence and sign, run the tick, again."""
    ledger_run_sequencer()
    tick()
    ledger_run_sequencer()


def reload(sw):
    sw.tx = Transaction.objects.get(pk=sw.tx.pk).as_procedure()
    return sw.tx


def record(sw) -> SaleRound:
    return SaleRound.objects.get(transaction=sw.tx, round=reload(sw).round)


def upload(name="评估报告批复.pdf", content=None):
    return SimpleUploadedFile(name, content or f"%PDF-1.4 {name} {clock.now().isoformat()}".encode(),
                              content_type="application/pdf")


def appraise(sw, *, value=APPRAISAL, on=None):
    return services.asset_record_appraisal(code=sw.tx.code, user=sw.world.purchaser, appraiser="示范县诚信资产评估事务所",
                                           appraised_value=value, appraised_on=on or date(2026, 10, 20),
                                           upload=upload())


def disclose(sw, *, method="auction", price=APPRAISAL, reserve=None, increment="5000.00", deposit="30000.00",
             approval=None):
    tx = services.asset_publish_disclosure(code=sw.tx.code, user=sw.world.clerk, listing_price=price, method=method,
                                           reserve_price=reserve, increment=increment, countdown_minutes=5,
                                           deposit=deposit, approval_upload=approval)
    sw.tx = tx
    return tx


def register(sw, index, *, qualify=True):
    user, company = sw.buyers[index]
    registration = services.buyer_register(code=sw.tx.code, user=user, company=company.pk)
    if qualify is None:
        return registration
    if qualify:
        services.deposit_record(code=sw.tx.code, user=sw.world.clerk, registration_id=registration.pk,
                                amount="30000.00", paid_on=clock.now().date())
    return services.registration_decide(code=sw.tx.code, user=sw.world.clerk, registration_id=registration.pk,
                                        qualified=qualify, reason="" if qualify else "未提交营业执照")


def close_disclosure(sw):
    clock.advance(record(sw).disclosure_until - clock.now() + timedelta(seconds=1))
    settle()
    return reload(sw)


def open_offers(sw, *, hours=2):
    return services.asset_open_offers(code=sw.tx.code, user=sw.world.clerk, deadline=clock.now() + timedelta(hours=hours),
                                      supervisor=sw.world.supervisor.pk, purchaser_rep=sw.world.purchaser.pk)


def offer(sw, index, price):
    user, company = sw.buyers[index]
    bid_round = bid_round_of(reload(sw))
    key = OpeningKey.objects.get(bid_round=bid_round)
    envelope = seal_quote(bytes(key.public_key), origin=settings.LEDGER_ORIGIN, code=sw.tx.code,
                          supplier=company.uscc, price=price)
    return bid_submit(bid_round=bid_round, company=company, envelope=envelope, user=user)


def custodian_share(tx, user, passphrase):
    share = CustodianShare.objects.get(custodian=user, opening_key__bid_round=bid_round_of(tx))
    return user, crypto.open_share_with_passphrase(crypto.parse_bundle(json.dumps(share_bundle(share))), passphrase)


def close_and_open_offers(sw):
    bid_round = bid_round_of(reload(sw))
    clock.advance(bid_round.deadline - clock.now() + timedelta(seconds=bid_round.grace_seconds + 1))
    settle()
    assert reload(sw).stage == "offers_closed"
    services.asset_open_sealed_offers(code=sw.tx.code, user=sw.world.clerk, shares=[
        custodian_share(sw.tx, sw.world.clerk, PASSPHRASES["clerk"]),
        custodian_share(sw.tx, sw.world.supervisor, PASSPHRASES["supervisor"])])
    settle()  # the rules decide the outcome at once
    return reload(sw)
