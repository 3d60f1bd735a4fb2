"""The numbers of the inquiry's rules, with their built-in values and legal sources (a
station may adopt a stricter published version: trading/rulesets.py, docs/rules.md)."""

from fractions import Fraction

from django.utils.translation import gettext_lazy

from trading import rulesets
from trading.rulesets import Param

GPL_40 = "政府采购法第四十条 / Government Procurement Law art. 40"
GPL_40_74_12 = ("政府采购法第四十条（二）；财政部令第74号第十二条 / "
                "Government Procurement Law art. 40(2); MOF Order No. 74 art. 12")
MOF74_45 = "财政部令第74号第四十五条 / MOF Order No. 74 art. 45"
MOF74_51 = "财政部令第74号第五十一条 / MOF Order No. 74 art. 51"
MOF74_49 = "财政部令第74号第四十九条 / MOF Order No. 74 art. 49"
MOF74_18 = "财政部令第74号第十八条 / MOF Order No. 74 art. 18"
GPL_52 = "政府采购法第五十二条 / Government Procurement Law art. 52"
GPL_46 = "政府采购法第四十六条 / Government Procurement Law art. 46"
GPL_REG_50 = ("政府采购法实施条例第五十条 / "
              "Regulations on the Implementation of the Government Procurement Law art. 50")

TITLE = "询价采购默认规则 / Inquiry-priced procurement: built-in defaults"

PARAMS = {
    "group_min_size": Param(gettext_lazy("minimum size of the inquiry group (odd)"), 3, GPL_40,
                            minimum=3, odd=True),
    "expert_share": Param(gettext_lazy("minimum share of experts in the inquiry group"), "2/3", GPL_40,
                          minimum=Fraction(2, 3), maximum=Fraction(1)),
    "min_invitees": Param(gettext_lazy("minimum number of invited suppliers"), 3, GPL_40_74_12, minimum=3),
    "quote_period_working_days": Param(gettext_lazy("working days from the notice to the quote deadline"),
                                       3, MOF74_45, minimum=3),
    "min_quotes": Param(gettext_lazy("minimum number of quotes"), 3, MOF74_51, minimum=3),
    "min_responsive": Param(gettext_lazy("minimum number of responsive quotes within budget"), 3, MOF74_51,
                            minimum=3),
    "confirm_working_days": Param(gettext_lazy("working days for the purchaser to confirm the award"),
                                  5, MOF74_49, maximum=5),
    "result_publish_working_days": Param(gettext_lazy("working days to publish the result"), 2, MOF74_18,
                                         maximum=2),
    "challenge_working_days": Param(gettext_lazy("working days of the challenge period"), 7, GPL_52,
                                    minimum=7),
    "contract_days": Param(gettext_lazy("days to sign the contract after the award notice"), 30, GPL_46,
                           maximum=30),
    "contract_publish_working_days": Param(gettext_lazy("working days to publish the contract"), 2,
                                           GPL_REG_50, maximum=2),
    **rulesets.custodian_params(),
}
