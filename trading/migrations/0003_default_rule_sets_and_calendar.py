"""Data: the built-in rule sets (`<procedure>-default` version 1) and the holiday calendar
of every year the pinned `chinesecalendar` package has official data for.

The rule sets are written out here, frozen, rather than read from trading/rulesets.py:
what version 1 says must be the same on every deployment, whenever it migrates
(tests/trading/test_rulesets.py checks that DEFAULTS still match). A change of a default
is a new version, published and adopted, never an edit of version 1.

The calendar is read from the package as installed (requirements.txt pins it); years
after its latest one are entered by the station (docs/rules.md). Nothing is guessed.
"""

import hashlib

from django.db import migrations

from ledger.core.jcs import canonical_bytes  # the pure RFC 8785 core

DEFAULT_VERSION = 1

DEFAULT_RULE_SETS = {
    "inquiry": {
        "title": "询价采购默认规则 / Inquiry-priced procurement: built-in defaults",
        "params": {
            "group_min_size": 3,
            "expert_share": "2/3",
            "min_invitees": 3,
            "quote_period_working_days": 3,
            "min_quotes": 3,
            "min_responsive": 3,
            "confirm_working_days": 5,
            "result_publish_working_days": 2,
            "challenge_working_days": 7,
            "contract_days": 30,
            "contract_publish_working_days": 2,
            "custodians_k": 2,
            "custodians_n": 3
        },
        "sources": {
            "group_min_size": "政府采购法第四十条 / Government Procurement Law art. 40",
            "expert_share": "政府采购法第四十条 / Government Procurement Law art. 40",
            "min_invitees": "政府采购法第四十条（二）；财政部令第74号第十二条 / Government Procurement Law art. 40(2); MOF Order No. 74 art. 12",
            "quote_period_working_days": "财政部令第74号第四十五条 / MOF Order No. 74 art. 45",
            "min_quotes": "财政部令第74号第五十一条 / MOF Order No. 74 art. 51",
            "min_responsive": "财政部令第74号第五十一条 / MOF Order No. 74 art. 51",
            "confirm_working_days": "财政部令第74号第四十九条 / MOF Order No. 74 art. 49",
            "result_publish_working_days": "财政部令第74号第十八条 / MOF Order No. 74 art. 18",
            "challenge_working_days": "政府采购法第五十二条 / Government Procurement Law art. 52",
            "contract_days": "政府采购法第四十六条 / Government Procurement Law art. 46",
            "contract_publish_working_days": "政府采购法实施条例第五十条 / Regulations on the Implementation of the Government Procurement Law art. 50",
            "custodians_k": "平台规则：开标密钥由交易站工作人员、监督人员、采购人代表分持 / platform rule: the opening key is split among clerk, supervisor and purchaser representative (DOMAIN.md, Sealed bids)",
            "custodians_n": "平台规则：开标密钥由交易站工作人员、监督人员、采购人代表分持 / platform rule: the opening key is split among clerk, supervisor and purchaser representative (DOMAIN.md, Sealed bids)"
        }
    },
    "tender": {
        "title": "公开招标默认规则 / Open tender: built-in defaults",
        "params": {
            "documents_available_days": 5,
            "bid_period_days": 20,
            "clarification_days_before_deadline": 15,
            "objection_days_before_deadline": 10,
            "objection_answer_days": 3,
            "security_max_share": "2/100",
            "min_bids": 3,
            "committee_min_size": 5,
            "committee_expert_share": "2/3",
            "max_candidates": 3,
            "candidates_publish_days": 3,
            "candidates_publicity_days": 3,
            "contract_days": 30,
            "security_refund_days": 5,
            "report_days": 15,
            "custodians_k": 2,
            "custodians_n": 3
        },
        "sources": {
            "documents_available_days": "招标投标法实施条例第十六条 / Regulations on the Implementation of the Bidding Law art. 16",
            "bid_period_days": "招标投标法第二十四条 / Bidding Law art. 24",
            "clarification_days_before_deadline": "招标投标法第二十三条 / Bidding Law art. 23",
            "objection_days_before_deadline": "招标投标法实施条例第二十二条 / Regulations on the Implementation of the Bidding Law art. 22",
            "objection_answer_days": "招标投标法实施条例第二十二条 / Regulations on the Implementation of the Bidding Law art. 22",
            "security_max_share": "招标投标法实施条例第二十六条 / Regulations on the Implementation of the Bidding Law art. 26",
            "min_bids": "招标投标法第二十八条 / Bidding Law art. 28",
            "committee_min_size": "招标投标法第三十七条 / Bidding Law art. 37",
            "committee_expert_share": "招标投标法第三十七条 / Bidding Law art. 37",
            "max_candidates": "招标投标法实施条例第五十三条 / Regulations on the Implementation of the Bidding Law art. 53",
            "candidates_publish_days": "招标投标法实施条例第五十四条 / Regulations on the Implementation of the Bidding Law art. 54",
            "candidates_publicity_days": "招标投标法实施条例第五十四条 / Regulations on the Implementation of the Bidding Law art. 54",
            "contract_days": "招标投标法第四十六条 / Bidding Law art. 46",
            "security_refund_days": "招标投标法实施条例第五十七条 / Regulations on the Implementation of the Bidding Law art. 57",
            "report_days": "招标投标法第四十七条 / Bidding Law art. 47",
            "custodians_k": "平台规则：开标密钥由交易站工作人员、监督人员、采购人代表分持 / platform rule: the opening key is split among clerk, supervisor and purchaser representative (DOMAIN.md, Sealed bids)",
            "custodians_n": "平台规则：开标密钥由交易站工作人员、监督人员、采购人代表分持 / platform rule: the opening key is split among clerk, supervisor and purchaser representative (DOMAIN.md, Sealed bids)"
        }
    },
    "asset_sale": {
        "title": "公开协商出售默认规则 / Negotiated asset sale: built-in defaults",
        "params": {
            "listing_min_share": "1/1",
            "disclosure_working_days": 20,
            "relist_approval_below_share": "9/10",
            "appraisal_valid_months": 12,
            "payment_working_days": 5,
            "result_publicity_working_days": 5,
            "custodians_k": 2,
            "custodians_n": 3
        },
        "sources": {
            "listing_min_share": "DOMAIN.md §3：挂牌价不低于评估值 / DOMAIN.md §3: listing price at least the appraised value",
            "disclosure_working_days": "DOMAIN.md §3：信息披露期 / DOMAIN.md §3: disclosure period",
            "relist_approval_below_share": "DOMAIN.md §3：低于评估值90%须经批准 / DOMAIN.md §3: below 90% of the appraisal needs approval",
            "appraisal_valid_months": "DOMAIN.md §3：超过12个月须重新评估 / DOMAIN.md §3: a new appraisal after 12 months",
            "payment_working_days": "DOMAIN.md §3：价款支付期限 / DOMAIN.md §3: payment period",
            "result_publicity_working_days": "DOMAIN.md §3：成交结果公示期 / DOMAIN.md §3: result publicity period",
            "custodians_k": "平台规则：开标密钥由交易站工作人员、监督人员、采购人代表分持 / platform rule: the opening key is split among clerk, supervisor and purchaser representative (DOMAIN.md, Sealed bids)",
            "custodians_n": "平台规则：开标密钥由交易站工作人员、监督人员、采购人代表分持 / platform rule: the opening key is split among clerk, supervisor and purchaser representative (DOMAIN.md, Sealed bids)"
        }
    }
}


def _digest(body):
    return hashlib.sha256(canonical_bytes(body)).hexdigest()


def create_default_rule_sets(apps, schema_editor):
    RuleSet = apps.get_model("trading", "RuleSet")
    for procedure, rule_set in DEFAULT_RULE_SETS.items():
        code = f"{procedure}-default"
        body = {"procedure": procedure, "code": code, "version": DEFAULT_VERSION,
                "params": rule_set["params"], "sources": rule_set["sources"]}
        RuleSet.objects.get_or_create(
            code=code, version=DEFAULT_VERSION,
            defaults={"procedure": procedure, "title": rule_set["title"], "params": rule_set["params"],
                      "sources": rule_set["sources"], "digest": _digest(body)},
        )


def delete_default_rule_sets(apps, schema_editor):
    RuleSet = apps.get_model("trading", "RuleSet")
    RuleSet.objects.filter(code__in=[f"{p}-default" for p in DEFAULT_RULE_SETS], version=DEFAULT_VERSION).delete()


def package_source(version, year):
    return f"chinesecalendar {version}: 国务院办公厅关于{year}年部分节假日安排的通知"


def seed_calendar(apps, schema_editor):
    import chinese_calendar
    from chinese_calendar import constants

    CalendarYear = apps.get_model("trading", "CalendarYear")
    CalendarDay = apps.get_model("trading", "CalendarDay")
    chinese = {h.value: h.chinese for h in constants.Holiday}
    days = [(d, "holiday", n) for d, n in constants.holidays.items()]
    days += [(d, "workday", n) for d, n in constants.workdays.items()]
    for year in sorted({d.year for d, _, _ in days}):
        if CalendarYear.objects.filter(year=year).exists():
            continue  # entered by hand before this migration ran: the station's data wins
        row = CalendarYear.objects.create(year=year, source=package_source(chinese_calendar.__version__, year))
        CalendarDay.objects.bulk_create(
            CalendarDay(year=row, date=d, kind=kind, name=chinese.get(name, name)[:64])
            for d, kind, name in sorted(days) if d.year == year
        )


def unseed_calendar(apps, schema_editor):
    CalendarYear = apps.get_model("trading", "CalendarYear")
    CalendarYear.objects.filter(source__startswith="chinesecalendar ").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("trading", "0002_inquiry_rules_calendar_notices"),
    ]

    operations = [
        migrations.RunPython(create_default_rule_sets, delete_default_rule_sets),
        migrations.RunPython(seed_calendar, unseed_calendar),
    ]
