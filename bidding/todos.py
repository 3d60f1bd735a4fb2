"""The steps of sealed offers and evaluation that wait for someone, computed from what
the rounds and panels recorded (registered with the core's to-dos: trading/registry.py):

* a bidder admitted to a round that receives offers, with no live offer yet: submit it
  before the deadline;
* a custodian of a round whose offers are closed and not opened: present its share;
* a panel member of an opened round who has not signed the report: assess and sign;
* a clerk of the station: answer each open challenge or objection.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from trading import clock
from trading.models import Milestone, Role
from trading.registry import Todo
from trading.services.milestones import milestone_reached

from .models import Admission, Bid, BidStatus, Challenge, CustodianShare, Opening, PanelMember
from .selectors_sealed import parties_secret


def bidding_todos(user, transactions) -> list[Todo]:
    codes = {tx.pk: tx for tx in transactions}
    if not codes:
        return []
    todos = []
    now = clock.now()
    for admission in (Admission.objects.filter(transaction_id__in=codes, company__representations__user=user)
                      .select_related("bid_round", "company")):
        bid_round, tx = admission.bid_round, codes[admission.transaction_id]
        if bid_round.procedure_round != tx.round or bid_round.closed_at or not (bid_round.opens_at <= now
                                                                               < bid_round.deadline):
            continue
        if Bid.objects.filter(bid_round=bid_round, company=admission.company, status=BidStatus.LIVE).exists():
            continue
        todos.append(Todo(transaction=tx, label=_("submit the sealed offer of %(company)s") % {
            "company": admission.company.name},
            link=reverse("sealed-quote", args=[tx.code]) + f"?company={admission.company_id}",
            due=bid_round.deadline, rule=_("the deadline of the notice; the server's clock decides")))
    for share in (CustodianShare.objects.filter(custodian=user, opening_key__bid_round__transaction_id__in=codes)
                  .select_related("opening_key__bid_round")):
        bid_round, tx = share.opening_key.bid_round, codes[share.opening_key.bid_round.transaction_id]
        if bid_round.closed_at is None or bid_round.cancelled or not tx.is_live():
            continue
        if Opening.objects.filter(bid_round=bid_round, part=share.opening_key.part).exists():
            continue
        todos.append(Todo(transaction=tx, label=_("present your custodian's share at the opening"),
                          link=reverse("custodian-key"),
                          rule=_("the opening needs the shares of enough custodians")))
    for member in (PanelMember.objects.filter(user=user, transaction_id__in=codes, signed_at__isnull=True)
                   .select_related("transaction")):
        tx = codes[member.transaction_id]
        if member.round != tx.round or not tx.is_live() or milestone_reached(tx, Milestone.EVALUATED):
            continue
        if not Opening.objects.filter(bid_round__transaction_id=tx.pk, bid_round__procedure_round=tx.round).exists():
            continue
        todos.append(Todo(transaction=tx, label=_("assess the opened offers and sign the panel's report"),
                          link=reverse("transaction-detail", args=[tx.code]),
                          rule=_("the report is complete when every member has assessed and signed")))
    clerk_stations = {m.station_id for m in user.memberships.all() if m.role == Role.CLERK}
    for challenge in Challenge.objects.filter(transaction_id__in=codes, answered_at__isnull=True):
        tx = codes[challenge.transaction_id]
        if tx.station_id in clerk_stations:
            label = (_("answer the objection of a registered party (secret until the deadline)")
                     if parties_secret(tx) else
                     _("answer the challenge of %(company)s") % {"company": challenge.company.name})
            todos.append(Todo(transaction=tx, label=label, link=reverse("transaction-detail", args=[tx.code]),
                              rule=_("a challenge pauses the procedure until it is answered")))
    return todos
