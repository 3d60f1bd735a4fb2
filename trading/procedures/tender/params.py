"""The numbers of the open tender's rules, with their built-in values and legal sources."""

from fractions import Fraction

from django.utils.translation import gettext_lazy

from trading import rulesets
from trading.rulesets import Param

BL_23 = "招标投标法第二十三条 / Bidding Law art. 23"
BL_24 = "招标投标法第二十四条 / Bidding Law art. 24"
BL_28 = "招标投标法第二十八条 / Bidding Law art. 28"
BL_37 = "招标投标法第三十七条 / Bidding Law art. 37"
BL_46 = "招标投标法第四十六条 / Bidding Law art. 46"
BL_47 = "招标投标法第四十七条 / Bidding Law art. 47"
BL_40 = "招标投标法第四十条 / Bidding Law art. 40"
BL_45 = "招标投标法第四十五条 / Bidding Law art. 45"
BLR = "招标投标法实施条例第%s条 / Regulations on the Implementation of the Bidding Law art. %s"
BLR_16 = BLR % ("十六", "16")
BLR_22 = BLR % ("二十二", "22")
BLR_26 = BLR % ("二十六", "26")
BLR_53 = BLR % ("五十三", "53")
BLR_54 = BLR % ("五十四", "54")
BLR_57 = BLR % ("五十七", "57")
# Sources of rules that are not numbers of the rule set.
BLR_34 = BLR % ("三十四", "34")
BLR_44 = BLR % ("四十四", "44")
BLR_51 = BLR % ("五十一", "51")
BLR_55 = BLR % ("五十五", "55")
# 工程建设项目施工招标投标办法 (七部委第30号令) art. 38: after a re-tender with still fewer than
# three bidders, a project that needs approval may stop tendering with the approving body's consent.
CONSTRUCTION_38 = ("工程建设项目施工招标投标办法第三十八条 / Measures for the Tendering of Construction "
                   "Projects art. 38")
TWO_ENVELOPES = ("DOMAIN.md §2：招标文件规定的，资格/技术标先开，通过者再开价格标 / DOMAIN.md §2: where the "
                 "documents say so, the technical envelopes open first and prices only for those that pass")

TITLE = "公开招标默认规则 / Open tender: built-in defaults"

PARAMS = {
    "documents_available_days": Param(gettext_lazy("days the tender documents are available"), 5, BLR_16,
                                      minimum=5),
    "bid_period_days": Param(gettext_lazy("days from first issuing the documents to the bid deadline"), 20,
                             BL_24, minimum=20),
    "clarification_days_before_deadline": Param(
        gettext_lazy("days before the deadline by which clarifications or changes are issued"), 15, BL_23,
        minimum=15),
    "objection_days_before_deadline": Param(
        gettext_lazy("days before the deadline by which objections to the documents are raised"), 10, BLR_22),
    "objection_answer_days": Param(gettext_lazy("days to answer an objection"), 3, BLR_22, maximum=3),
    "security_max_share": Param(gettext_lazy("maximum bid security as a share of the estimated price"),
                                "2/100", BLR_26, minimum=Fraction(1, 10000), maximum=Fraction(2, 100)),
    "min_bids": Param(gettext_lazy("minimum number of bids to open"), 3, BL_28, minimum=3),
    "committee_min_size": Param(gettext_lazy("minimum size of the evaluation committee (odd)"), 5, BL_37,
                                minimum=5, odd=True),
    "committee_expert_share": Param(gettext_lazy("minimum share of experts in the committee"), "2/3", BL_37,
                                    minimum=Fraction(2, 3), maximum=Fraction(1)),
    "max_candidates": Param(gettext_lazy("maximum number of ranked candidates"), 3, BLR_53, maximum=3),
    "candidates_publish_days": Param(gettext_lazy("days from the report to publicising the candidates"), 3,
                                     BLR_54, maximum=3),
    "candidates_publicity_days": Param(gettext_lazy("days the candidates are publicised"), 3, BLR_54,
                                       minimum=3),
    "contract_days": Param(gettext_lazy("days to sign the contract after the award notice"), 30, BL_46,
                           maximum=30),
    "security_refund_days": Param(gettext_lazy("days to refund the bid securities after the contract"), 5,
                                  BLR_57, maximum=5),
    "report_days": Param(gettext_lazy("days to report to the supervisor after the award"), 15, BL_47,
                         maximum=15),
    **rulesets.custodian_params(),
}
