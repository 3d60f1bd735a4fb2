"""Benchmark 7, scoring: a committee of 9 scores 30 bids of an open tender (comprehensive
scoring); the platform's aggregation and ranking (`trading.procedures.tender.services.
evaluation.ranking`: the verdicts and scores read from PostgreSQL, the price scores, the
trimmed means, the deviation flags, the ranking) and the evaluation table, timed against
the same aggregation in memory (`bidding.awards.comprehensive_scoring` on the same numbers,
no database) in the same run; and the `complete_evaluation` move once (report and score
sheets' digests, the award, the ledger entry). With --quick: 7 members, 12 bids.

Everything is set up through the services, in one child process on a throwaway database
`bench_<pid>_scoring` (bench/tender_spike.py's machinery), with the clock advanced past
the bid deadline rather than a sandbox. No target is asserted anywhere: the issue's
"under 1 s" is reported.
"""

import json
import random
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python bench/tender_scoring.py STEP`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "bench"

from bench.common import Stopwatch, log, median, result  # noqa: E402
from bench.tender_spike import TenderSpike  # noqa: E402

REPEATS = 7


def sizes(quick):
    return {"members": 7, "bids": 12} if quick else {"members": 9, "bids": 30}


class ScoringBench(TenderSpike):
    suffix = "scoring"


def _step_scoring(config):
    """Set up a tender to the signed report, then time the aggregation and ranking."""
    import json as json_
    import secrets
    from datetime import timedelta
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from bidding import awards, crypto
    from bidding.models import CustodianShare, OpeningRecord, PanelMember
    from bidding.selectors_sealed import next_part_to_open, round_of
    from bidding.services.companies import company_register, expert_pool_add
    from bidding.services.custodians import custodian_key_set, share_bundle
    from bidding.services.draws import draws_perform_due
    from bidding.uscc import check_character
    from ledger.sequencer import ledger_run_sequencer
    from trading import clock, deadlines
    from trading.models import Membership, Role, Station, Transaction, Unit, User
    from trading.procedures.tender import selectors
    from trading.procedures.tender.services import bids, committee, evaluation, notice, opening
    from trading.services.ticks import tick
    from trading.services.transactions import document_attach, transaction_create
    from trading.services.transitions import transaction_transition

    rnd = random.Random(7)
    call_command("migrate", verbosity=0, interactive=False)
    call_command("ledger_keygen", verbosity=0)
    with clock.frozen_at(clock.now()), Stopwatch() as setup:
        station = Station.objects.create(code="score", name="评标压测交易站", county="示范县")
        unit = Unit.objects.create(station=station, name="城关镇人民政府")

        def person(username, role, unit=None):
            user = User.objects.create_user(username=username, password=secrets.token_urlsafe(12), full_name=username)
            Membership.objects.create(user=user, station=station, role=role, unit=unit)
            return user

        clerk, supervisor = person("clerk", Role.CLERK), person("supervisor", Role.SUPERVISOR)
        purchaser = person("purchaser", Role.PURCHASER, unit)
        passphrases = {}
        for user in (clerk, supervisor, purchaser):
            passphrases[user.pk] = f"{user.username}-opens-{secrets.token_hex(6)}"
            custodian_key_set(user=user, passphrase=passphrases[user.pk])
        for i in range(config["members"]):
            expert_pool_add(station=station, user=person(f"expert{i}", Role.EXPERT), employer=f"县住建局{i}")
        companies = []
        for i in range(config["bids"]):
            user = person(f"builder{i}", Role.BIDDER)
            base = f"91350300MA{i + 1:07d}"
            companies.append((user, company_register(user=user, uscc=base + check_character(base),
                                                     name=f"第{i + 1}建筑公司", contact_name="联系人",
                                                     contact_phone="0591-87650000")))
        tx = transaction_create(user=purchaser, unit=unit, type="tender", title="评分压测", amount="460000.00")
        document_attach(transaction=tx, user=purchaser, upload=SimpleUploadedFile("批复.txt", b"ok"), purpose="approval")
        transaction_transition(code=tx.code, action="submit", user=purchaser)
        transaction_transition(code=tx.code, action="register", user=clerk)
        now = clock.now()
        deadline = deadlines.at_least_days(tx, now, 20) + timedelta(hours=1)
        notice.tender_issue_notice(code=tx.code, user=clerk, deadline=deadline, documents_until=deadline,
                                   method="scoring", weights={"price": "40", "technical": "45", "commercial": "15"},
                                   qualifications="市政三级", supervisor=supervisor.pk, purchaser_rep=purchaser.pk)
        for user, company in companies:
            bids.tender_register(code=tx.code, user=user, company=company)
            bids.tender_bid_price(code=tx.code, user=user, company=company,
                                  price=f"{rnd.randint(40_000_000, 46_000_000) / 100:.2f}")
        clock.advance(deadline - clock.now() + timedelta(seconds=5))
        tick()
        committee.tender_announce_expert_draw(code=tx.code, user=clerk, count=config["members"])
        ledger_run_sequencer()
        draws_perform_due()
        committee.tender_form_committee(code=tx.code, user=clerk)
        tx = Transaction.objects.get(pk=tx.pk).as_procedure()
        shares = []
        for user in (clerk, supervisor):
            share = CustodianShare.objects.get(custodian=user, opening_key__bid_round=round_of(tx),
                                               opening_key__part=next_part_to_open(round_of(tx)))
            bundle = crypto.parse_bundle(json_.dumps(share_bundle(share)))
            shares.append((user, crypto.open_share_with_passphrase(bundle, passphrases[user.pk])))
        opening.tender_open(code=tx.code, user=clerk, shares=shares)
        records = list(OpeningRecord.objects.filter(opening__bid_round=round_of(tx), outcome="opened"))
        members = list(PanelMember.objects.filter(transaction=tx).select_related("user"))
        for m, member in enumerate(members):
            for record in records:
                commitment = record.bid.commitment
                evaluation.tender_assess(code=tx.code, user=member.user, commitment=commitment, responsive=True,
                                         reason="响应招标文件")
                technical = rnd.randint(2500, 4500) / 100 if m else rnd.randint(0, 1000) / 100  # seat 1 deviates
                evaluation.tender_score(code=tx.code, user=member.user, commitment=commitment, criterion="technical",
                                        points=f"{technical:.2f}")
                evaluation.tender_score(code=tx.code, user=member.user, commitment=commitment, criterion="commercial",
                                        points=f"{rnd.randint(800, 1500) / 100:.2f}")
            evaluation.tender_sign(code=tx.code, user=member.user)

        # The same numbers in memory, for the baseline.
        scores_db = evaluation.member_scores(*evaluation.verdicts(tx))
        _members, rows = evaluation.verdicts(tx)
        prices = evaluation.price_scores(tx, rows)
        offers = [awards.Offer(key=r["bid"].pk, price=r["price"], arrived=r["bid"].received_at, responsive=True)
                  for r in rows]
        scores = dict(scores_db)
        for member in members:
            for key, points in prices.items():
                scores[(member.pk, key, "price")] = points
        weights = {"price": Decimal(40), "technical": Decimal(45), "commercial": Decimal(15)}

        def timed(call):
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                value = call()
                times.append(time.perf_counter() - started)
            return times, value

        platform, ranked = timed(lambda: evaluation.ranking(tx))
        table, _table = timed(lambda: selectors.scoring_table(tx))
        memory, ranked_memory = timed(lambda: awards.comprehensive_scoring(offers, scores, weights=weights,
                                                                           max_candidates=3))
        with Stopwatch() as complete:
            transaction_transition(code=tx.code, action="complete_evaluation", user=clerk)
    same = [c["bid"].pk for c in ranked] == [r.key for r in ranked_memory]
    return {"setup_seconds": setup.seconds, "platform_s": platform, "table_s": table, "memory_s": memory,
            "complete_evaluation_s": complete.seconds, "same_ranking": same,
            "deviating_seats": sorted({s for c in ranked for s in c["flags"]}), "scores": len(scores_db)}


STEPS = {"scoring": _step_scoring}


def run(session, quick):
    bench = ScoringBench(session)
    try:
        bench.create_database()
        s = sizes(quick)
        out = bench.step("scoring", s, module="bench.tender_scoring")
    finally:
        bench.close()
    platform, memory, table = median(out["platform_s"]), median(out["memory_s"]), median(out["table_s"])
    log(f"tender_scoring: {s['members']} members x {s['bids']} bids ({out['scores']} scores): ranking "
        f"{platform * 1000:.1f} ms (median of {REPEATS}), in memory {memory * 1000:.2f} ms, evaluation table "
        f"{table * 1000:.1f} ms, complete_evaluation {out['complete_evaluation_s'] * 1000:.0f} ms")
    return [result("tender_scoring", measured=f"ranking {platform * 1000:.1f} ms ({s['members']} members x "
                                              f"{s['bids']} bids)",
                   baseline=f"in memory {memory * 1000:.2f} ms", ratio=platform / memory if memory else None,
                   target="< 1 s", met=platform < 1.0, figures=out,
                   notes=[f"median of {REPEATS}; evaluation table {table * 1000:.1f} ms; complete_evaluation "
                          f"(report and score-sheet digests, award, ledger) {out['complete_evaluation_s'] * 1000:.0f} ms; "
                          f"same ranking as in memory: {out['same_ranking']}; deviating seats flagged "
                          f"{out['deviating_seats']}; setup {out['setup_seconds']:.0f} s"])]


def _child_main(argv):
    name, config_path, out_path = argv
    import django

    django.setup()
    Path(out_path).write_text(json.dumps(STEPS[name](json.loads(Path(config_path).read_text()))))


if __name__ == "__main__":
    _child_main(sys.argv[1:])
