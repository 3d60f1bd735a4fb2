"""The 13-computers inquiry's people and a helper to walk it, for the inquiry tests."""

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from bidding import crypto
from bidding.crypto import seal_quote
from bidding.models import CustodianShare, OpeningKey, OpeningRecord, PanelMember
from bidding.selectors_sealed import round_of
from bidding.services.bids import bid_submit
from bidding.services.companies import company_register, expert_pool_add, supplier_pool_add
from bidding.services.custodians import custodian_key_set, share_bundle
from bidding.services.draws import draws_perform_due
from bidding.uscc import check_character
from ledger.sequencer import ledger_run_sequencer
from tests.factories import make_transaction, make_user, make_world
from trading import clock, workdays
from trading.models import Role, Transaction
from trading.procedures.inquiry import services
from trading.procedures.inquiry.services.notice import QUOTE_CLOSE_GRACE_SECONDS
from trading.services.ticks import tick
from trading.services.transitions import transaction_transition

BEIJING = ZoneInfo("Asia/Shanghai")
# A Monday without holidays around it: the notice goes out then.
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=BEIJING)
# Real time from a quote deadline until the bids have closed (the closing waits a few seconds
# for quotes that arrived in time: QUOTE_CLOSE_GRACE_SECONDS).
PAST_CLOSING = timedelta(seconds=QUOTE_CLOSE_GRACE_SECONDS + 1)
PASSPHRASES = {"clerk": "clerk-custodian-pass", "supervisor": "supervisor-custodian-pass",
               "purchaser": "purchaser-custodian-pass"}


def uscc(n: int) -> str:
    base = f"9135010{n:02d}M000100Y"[:17]
    return base + check_character(base)


@dataclass
class InquiryWorld:
    world: object
    experts: list
    suppliers: list  # (user, company)
    tx: object = None
    extra: dict = field(default_factory=dict)


def make_inquiry_world(*, suppliers=4, experts=4, amount="78000.00", documents=()):
    """`documents`: (purpose, name, text) filed with the transaction besides its approval."""
    world = make_world()
    expert_users = []
    for i in range(experts):
        user = make_user(full_name=f"专家{i + 1}", roles=[(Role.EXPERT, world.station, None)])
        expert_pool_add(station=world.station, user=user, specialty="计算机", employer=f"县职业中学{i}")
        expert_users.append(user)
    companies = []
    for i in range(suppliers):
        user = make_user(full_name=f"供应商代表{i + 1}", roles=[(Role.BIDDER, world.station, None)])
        company = company_register(user=user, uscc=uscc(i + 1), name=f"示范县第{i + 1}电脑有限公司",
                                   contact_name=f"联系人{i + 1}", contact_phone="0591-8888000" + str(i))
        supplier_pool_add(station=world.station, company=company, categories="计算机设备")
        companies.append((user, company))
    custodian_key_set(user=world.clerk, passphrase=PASSPHRASES["clerk"])
    custodian_key_set(user=world.supervisor, passphrase=PASSPHRASES["supervisor"])
    custodian_key_set(user=world.purchaser, passphrase=PASSPHRASES["purchaser"])
    tx = make_transaction(world, stage="registered", title="便民服务中心及交易站办公电脑采购（13台）", amount=amount,
                          documents=documents)
    return InquiryWorld(world=world, experts=expert_users, suppliers=companies, tx=tx)


def settle():
    """What production does within a second: sequence, sign, perform the draws due, run the
    tick, sequence again."""
    ledger_run_sequencer()
    draws_perform_due()
    tick()
    ledger_run_sequencer()


def submit_quote(iw, index, price):
    user, company = iw.suppliers[index]
    bid_round = round_of(iw.tx)
    key = OpeningKey.objects.get(bid_round=bid_round)
    envelope = seal_quote(bytes(key.public_key), origin=settings.LEDGER_ORIGIN, code=iw.tx.code,
                          supplier=company.uscc, price=price)
    return bid_submit(bid_round=bid_round, company=company, envelope=envelope, user=user)


def custodian_share(tx, user, passphrase):
    """What the custodian's own device computes at an opening: its share of the round's
    opening key, from its share bundle and its passphrase (the server never sees that)."""
    share = CustodianShare.objects.get(custodian=user, opening_key__bid_round=round_of(tx))
    return user, crypto.open_share_with_passphrase(crypto.parse_bundle(json.dumps(share_bundle(share))), passphrase)


# --- walking the inquiry through its services, step by step -----------------------------------

def form_group(iw, experts=3):
    services.inquiry_announce_expert_draw(code=iw.tx.code, user=iw.world.clerk, count=experts)
    settle()  # the draw is performed with the next checkpoint
    return services.inquiry_form_group(code=iw.tx.code, user=iw.world.clerk)


def issue_notice(iw, deadline=None, invite=4):
    deadline = deadline or workdays.earliest_deadline(clock.now(), 3) + timedelta(hours=9)
    tx = services.inquiry_issue_notice(
        code=iw.tx.code, user=iw.world.clerk, deadline=deadline,
        price_composition="含运输、安装、税费及三年上门保修", award_criterion="满足需求且报价最低",
        invitees=[company.pk for _user, company in iw.suppliers[:invite]],
        supervisor=iw.world.supervisor.pk, purchaser_rep=iw.world.purchaser.pk)
    settle()  # quoting opens at once
    iw.tx = Transaction.objects.get(pk=tx.pk).as_procedure()
    return iw.tx


def pass_deadline(iw):
    clock.advance(round_of(iw.tx).deadline - clock.now() + PAST_CLOSING)
    settle()
    iw.tx = Transaction.objects.get(pk=iw.tx.pk).as_procedure()
    return iw.tx


def open_quotes(iw):
    return services.inquiry_open_quotes(code=iw.tx.code, user=iw.world.clerk, shares=[
        custodian_share(iw.tx, iw.world.clerk, PASSPHRASES["clerk"]),
        custodian_share(iw.tx, iw.world.supervisor, PASSPHRASES["supervisor"])])


def assess_all(iw, verdicts=None):
    verdicts = verdicts or {}
    for member in PanelMember.objects.filter(transaction=iw.tx, round=iw.tx.round):
        for record in OpeningRecord.objects.filter(opening__bid_round=round_of(iw.tx), outcome="opened"):
            responsive = verdicts.get(record.bid.bidder_uscc, True)
            services.assessment_record(code=iw.tx.code, user=member.user, commitment=record.bid.commitment,
                                       responsive=responsive, reason="满足全部技术要求" if responsive else "显示器尺寸不符")
        services.report_sign(code=iw.tx.code, user=member.user)


PRICES = ["76500.00", "74800.00", "77900.00"]


def walk(iw, until):
    """Bring the inquiry, with three quotes, to `until`: opened, evaluated or published."""
    form_group(iw)
    issue_notice(iw)
    for index, price in enumerate(PRICES):
        submit_quote(iw, index, price)
    pass_deadline(iw)
    open_quotes(iw)
    if until == "opened":
        return iw.tx
    assess_all(iw)
    tx = transaction_transition(code=iw.tx.code, action="complete_evaluation", user=iw.world.clerk)
    if until == "evaluated":
        return tx
    transaction_transition(code=iw.tx.code, action="confirm_award", user=iw.world.purchaser)
    return transaction_transition(code=iw.tx.code, action="publish_result", user=iw.world.clerk)


__all__ = ["MONDAY", "PAST_CLOSING", "PASSPHRASES", "PRICES", "assess_all", "clock", "custodian_share", "form_group",
           "issue_notice", "make_inquiry_world", "open_quotes", "pass_deadline", "settle", "submit_quote", "uscc",
           "walk"]
