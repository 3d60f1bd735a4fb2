"""The numbers of the negotiated asset sale's rules, with their built-in values and sources.

No article numbers here: the rules of state-owned asset transfers differ by owner and
province; a station cites its own (DOMAIN.md section 3 gives the numbers)."""

from fractions import Fraction

from django.utils.translation import gettext_lazy

from trading import rulesets
from trading.rulesets import Param

ASSET = "DOMAIN.md §3：%s / DOMAIN.md §3: %s"

TITLE = "公开协商出售默认规则 / Negotiated asset sale: built-in defaults"

PARAMS = {
    "listing_min_share": Param(gettext_lazy("minimum listing price as a share of the appraised value"),
                               "1/1", ASSET % ("挂牌价不低于评估值", "listing price at least the appraised value"),
                               minimum=Fraction(1)),
    "disclosure_working_days": Param(gettext_lazy("working days of the disclosure period"), 20,
                                     ASSET % ("信息披露期", "disclosure period")),
    "relist_approval_below_share": Param(
        gettext_lazy("relisting price share of the appraisal below which an approval is needed"), "9/10",
        ASSET % ("低于评估值90%须经批准", "below 90% of the appraisal needs approval"),
        minimum=Fraction(1, 100), maximum=Fraction(1)),
    "appraisal_valid_months": Param(
        gettext_lazy("months after first disclosure after which a new appraisal is needed"), 12,
        ASSET % ("超过12个月须重新评估", "a new appraisal after 12 months")),
    "payment_working_days": Param(gettext_lazy("working days for the buyer to pay"), 5,
                                  ASSET % ("价款支付期限", "payment period")),
    "result_publicity_working_days": Param(gettext_lazy("working days the result is publicised"), 5,
                                           ASSET % ("成交结果公示期", "result publicity period")),
    **rulesets.custodian_params(),
}
