"""Small builders for tests: a station with its people, and transactions at any stage,
made through the services (so their ledger entries exist as in real use)."""

import itertools
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from trading.models import Membership, Role, Station, Transaction, Unit, User
from trading.procedures.inquiry.models import InquiryRound
from trading.services.transactions import document_attach, transaction_create
from trading.services.transitions import transaction_transition

_counter = itertools.count(1)


def make_user(username=None, *, full_name=None, roles=()):
    """roles: iterable of (role, station, unit_or_None)."""
    n = next(_counter)
    user = User.objects.create_user(username=username or f"user{n}", password="pw-for-tests-1",
                                    full_name=full_name or f"测试用户{n}")
    for role, station, unit in roles:
        Membership.objects.create(user=user, station=station, role=role, unit=unit)
    return user


@dataclass
class World:
    station: Station
    unit: Unit
    purchaser: User
    clerk: User
    supervisor: User
    bidder: User
    expert: User
    other_station: Station
    other_clerk: User
    other_purchaser: User


def make_world():
    n = next(_counter)
    station = Station.objects.create(code=f"st{n}", name=f"城关镇交易站{n}", county="示范县")
    unit = Unit.objects.create(station=station, name=f"城关镇人民政府{n}")
    other = Station.objects.create(code=f"ot{n}", name=f"河西乡交易站{n}", county="示范县")
    other_unit = Unit.objects.create(station=other, name=f"河西乡人民政府{n}")
    return World(
        station=station,
        unit=unit,
        purchaser=make_user(f"purchaser{n}", full_name="张伟", roles=[(Role.PURCHASER, station, unit)]),
        clerk=make_user(f"clerk{n}", full_name="王明", roles=[(Role.CLERK, station, None)]),
        supervisor=make_user(f"supervisor{n}", full_name="赵刚",
                             roles=[(Role.SUPERVISOR, station, None), (Role.SUPERVISOR, other, None)]),
        bidder=make_user(f"bidder{n}", full_name="陈静", roles=[(Role.BIDDER, station, None)]),
        expert=make_user(f"expert{n}", full_name="刘洋", roles=[(Role.EXPERT, station, None)]),
        other_station=other,
        other_clerk=make_user(f"otherclerk{n}", roles=[(Role.CLERK, other, None)]),
        other_purchaser=make_user(f"otherpurchaser{n}", roles=[(Role.PURCHASER, other, other_unit)]),
    )


def document(name="批复.txt", content=None):
    content = content if content is not None else f"审批文件 {next(_counter)}".encode()
    return SimpleUploadedFile(name, content, content_type="text/plain")


def make_transaction(world, *, stage="draft", type="inquiry", title="办公电脑采购（13台）",
                     amount="78000.00", documents=()):
    """A transaction of `world` brought to `stage` (draft, submitted, registered,
    rejected, suspended, terminated) through the services. `documents`: (purpose, name,
    text) the purchaser attaches to the draft besides an approval (e.g. a specification)."""
    obj = transaction_create(user=world.purchaser, unit=world.unit, type=type, title=title, amount=amount)
    if stage == "draft":
        return obj
    document_attach(transaction=obj, user=world.purchaser, upload=document())
    for purpose, name, text in documents:
        document_attach(transaction=obj, user=world.purchaser, purpose=purpose, upload=document(name, text.encode()))
    obj = transaction_transition(code=obj.code, action="submit", user=world.purchaser)
    if stage == "submitted":
        return obj
    if stage == "rejected":
        return transaction_transition(code=obj.code, action="reject", user=world.clerk, reason="材料不全")
    obj = transaction_transition(code=obj.code, action="register", user=world.clerk)
    if stage == "registered":
        return obj
    if stage == "suspended":
        return transaction_transition(code=obj.code, action="suspend", user=world.supervisor, reason="接到举报")
    if stage == "terminated":
        return transaction_transition(code=obj.code, action="terminate", user=world.clerk, reason="需求取消")
    raise ValueError(stage)


def force_stage(transaction, stage, **details):
    """Tests of one step only: put a transaction at `stage` without walking the procedure
    (no ledger entry; never done outside tests). Extra keyword arguments set fields of the
    inquiry's round records (e.g. challenge_until)."""
    Transaction.objects.filter(pk=transaction.pk).update(stage=stage)
    if details:
        InquiryRound.objects.update_or_create(transaction_id=transaction.pk, round=transaction.round,
                                              defaults=details)
    return Transaction.objects.get(pk=transaction.pk).as_procedure()
