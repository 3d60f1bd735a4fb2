"""Demo data: the three reference transactions of DOMAIN.md, filed and registered through
the same services a user calls, so the ledger and the audit trail have real content.

The report (seed-report.txt, 三.四) names the three transactions but gives no amounts or
names: the amounts, units and people below are illustrative (docs/demo.md).

Its accounts share a published password and its custodians have published passphrases:
the demo exists in embedded mode only and is refused when STATION_MODE=production.
"""

import contextlib

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction as db_transaction

from bidding.services.companies import company_register, expert_pool_add, supplier_pool_add
from bidding.services.custodians import custodian_key_set
from bidding.uscc import check_character

from . import clock
from .models import CalendarYear, Membership, Role, Station, Unit, User
from .services.transactions import document_attach, transaction_create
from .services.transitions import transaction_transition

DEMO_PASSWORD = "station-demo-2026"
DEMO_REFUSED_IN_PRODUCTION = (
    "The demo is refused when STATION_MODE=production: its accounts have a published "
    "password and its custodians published passphrases. Create real accounts with "
    "`manage.py createsuperuser` and the admin (docs/deploy.md)."
)

# (username, full name, [(station code, role, unit name or None)], what to try)
DEMO_ACCOUNTS = [
    ("purchaser", "张伟", [("chengguan", Role.PURCHASER, "城关镇人民政府")],
     "files the 13 computers and the courtyard paving for the township government"),
    ("school", "李娜", [("chengguan", Role.PURCHASER, "城关镇中学")],
     "files the sale of the rooms above the school's north gate"),
    ("clerk", "王明", [("chengguan", Role.CLERK, None)],
     "registers or refuses entries, terminates procedures"),
    ("supervisor", "赵刚", [("chengguan", Role.SUPERVISOR, None), ("hexi", Role.SUPERVISOR, None)],
     "sees everything at both stations, suspends and resumes"),
    ("bidder", "陈静", [("chengguan", Role.BIDDER, None)], "supplier 示范县华信电脑有限公司: quotes"),
    ("bidder2", "周磊", [("chengguan", Role.BIDDER, None)], "supplier 城关镇联想电脑专卖店: quotes"),
    ("bidder3", "吴芳", [("chengguan", Role.BIDDER, None)], "supplier 示范县创新办公设备有限公司: quotes"),
    ("bidder4", "郑强", [("chengguan", Role.BIDDER, None)], "supplier 示范县数码科技有限公司: quotes"),
    ("expert", "刘洋", [("chengguan", Role.EXPERT, None)], "expert E-0001 of the pool: assesses if drawn"),
    ("expert2", "孙丽", [("chengguan", Role.EXPERT, None)], "expert E-0002"),
    ("expert3", "马超", [("chengguan", Role.EXPERT, None)], "expert E-0003"),
    ("expert4", "胡静", [("chengguan", Role.EXPERT, None)], "expert E-0004"),
    ("expert5", "林峰", [("chengguan", Role.EXPERT, None)], "expert E-0005"),
]

# Suppliers of the demo (unified social credit codes valid by GB 32100-2015, invented).
# The first 17 characters; the 18th is the check character, computed.
DEMO_COMPANIES = [
    ("bidder", "示范县华信电脑有限公司", "91350100MA2Y00001"),
    ("bidder2", "城关镇联想电脑专卖店", "92350100MA2Y00002"),
    ("bidder3", "示范县创新办公设备有限公司", "91350100MA2Y00003"),
    ("bidder4", "示范县数码科技有限公司", "91350100MA2Y00004"),
]

# Custodians of the opening keys set their passphrases on their own pages; the demo sets
# them so that the opening can be tried at once.
DEMO_CUSTODIAN_PASSPHRASES = {"clerk": "clerk-opens-2026", "supervisor": "supervisor-opens-2026",
                              "purchaser": "purchaser-opens-2026", "school": "school-opens-2026"}

STATIONS = [
    ("chengguan", "城关镇公共资源交易站", "示范县", "城关镇便民服务中心一楼",
     ["城关镇人民政府", "城关镇中学", "城关镇便民服务中心"]),
    ("hexi", "河西乡公共资源交易站", "示范县", "河西乡便民服务中心", ["河西乡人民政府"]),
]

TRANSACTIONS = [
    {
        "user": "purchaser", "unit": "城关镇人民政府", "type": "inquiry",
        "title": "便民服务中心及交易站办公电脑采购（13台）",
        "amount": "78000.00",
        "description": "为镇便民服务中心和公共资源交易站采购办公用台式电脑13台，规格统一、货源充足、价格稳定，"
                       "采用询价方式采购。",
        "documents": [("采购申请审批表.txt", "approval", "城关镇人民政府采购申请：办公电脑13台，预算人民币78,000.00元。已经镇党委会研究同意。"),
                      ("电脑配置需求.txt", "specification", "台式电脑：处理器不低于4核，内存16GB，固态硬盘512GB，23.8英寸显示器，三年上门保修。")],
    },
    {
        "user": "purchaser", "unit": "城关镇人民政府", "type": "tender",
        "title": "镇政府后院地坪建设项目",
        "amount": "460000.00",
        "description": "镇政府办公楼后院地坪硬化，约1,800平方米，C25混凝土面层及排水沟。公开招标。",
        "documents": [("项目立项批复.txt", "approval", "关于镇政府后院地坪建设项目立项的批复：同意建设，估算投资46万元，资金来源为镇财政。"),
                      ("工程量清单.txt", "specification", "地坪硬化1,800平方米；排水沟120米；旧地面破除及外运。")],
    },
    {
        "user": "school", "unit": "城关镇中学", "type": "asset_sale",
        "title": "镇中学北门二楼房屋出售",
        "amount": "320000.00",
        "description": "城关镇中学北门上方二楼房屋，建筑面积约160平方米，经评估后公开协商出售。",
        "documents": [("资产处置批复.txt", "approval", "同意城关镇中学北门二楼房屋按国有资产处置程序公开协商出售。"),
                      ("资产评估报告摘要.txt", "budget", "评估基准日评估值人民币320,000.00元。")],
        # Its periods are long (20 working days of disclosure, in up to three rounds): in
        # the sandbox a week of procedure time passes in a minute, so that each branch can
        # be walked in minutes (docs/demo.md). Fixed when it is filed, as for every
        # sandbox transaction, and said by every ledger entry of it.
        "time_factor": 10080,
    },
]


def _seed_pools(station, users):
    """Suppliers and experts of the station's pools, and the custodians' keys."""
    for username, name, code in DEMO_COMPANIES:
        code = code + check_character(code)
        company = company_register(user=users[username], uscc=code, name=name, contact_name=users[username].full_name,
                                   contact_phone="0591-87650000")
        supplier_pool_add(station=station, company=company, categories="计算机设备、办公设备")
    for i, username in enumerate(["expert", "expert2", "expert3", "expert4", "expert5"]):
        expert_pool_add(station=station, user=users[username], specialty="计算机与信息设备",
                        employer=["县职业中学", "县信息中心", "县第一中学", "县电信分公司", "县人民医院"][i])
    for username, passphrase in DEMO_CUSTODIAN_PASSPHRASES.items():
        custodian_key_set(user=users[username], passphrase=passphrase)


DEMO_CALENDAR_SOURCE = ("示范数据，仅区分周末，不是国务院节假日安排 / DEMO ONLY: weekends only, not the "
                        "official holidays; enter the real year before any real use")


def _seed_demo_calendar():
    """The sandbox demo runs procedure time fast and may reach a year the calendar package
    has no official data for; the demo enters such years as labelled stand-ins (weekends
    only), so the walk-through works on any date. A real deployment never does this: it
    enters the State Council's notice (docs/rules.md)."""
    this_year = clock.now().year
    for year in (this_year, this_year + 1):
        CalendarYear.objects.get_or_create(year=year, defaults={"source": DEMO_CALENDAR_SOURCE})


@contextlib.contextmanager
def _sandbox_factor(factor):
    """A demo transaction with its own sandbox factor (only when the demo is a sandbox)."""
    previous = settings.SANDBOX_TIME_FACTOR
    if factor and previous > 1:
        settings.SANDBOX_TIME_FACTOR = factor
    try:
        yield
    finally:
        settings.SANDBOX_TIME_FACTOR = previous


def demo_is_seeded() -> bool:
    return Station.objects.exists()


def seed_demo() -> list[str]:
    """Create stations, units, demo accounts and the three reference transactions,
    filed, submitted and registered. Returns the transaction codes. Embedded mode only."""
    if settings.PRODUCTION:
        raise RuntimeError(DEMO_REFUSED_IN_PRODUCTION)
    with db_transaction.atomic():
        stations, units = {}, {}
        for code, name, county, address, unit_names in STATIONS:
            stations[code] = Station.objects.create(code=code, name=name, county=county, address=address)
            for unit_name in unit_names:
                units[unit_name] = Unit.objects.create(station=stations[code], name=unit_name)
        users = {}
        for username, full_name, memberships, _what in DEMO_ACCOUNTS:
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD, full_name=full_name)
            for station_code, role, unit_name in memberships:
                Membership.objects.create(user=user, station=stations[station_code], role=role,
                                          unit=units.get(unit_name))
            users[username] = user
        User.objects.create_superuser(username="admin", password=DEMO_PASSWORD, full_name="站点管理员",
                                      email="")
        _seed_pools(stations["chengguan"], users)
        _seed_demo_calendar()
    codes = []
    clerk = users["clerk"]
    for spec in TRANSACTIONS:
        user = users[spec["user"]]
        with _sandbox_factor(spec.get("time_factor")):
            obj = transaction_create(user=user, unit=units[spec["unit"]], type=spec["type"], title=spec["title"],
                                     amount=spec["amount"], description=spec["description"])
        for name, purpose, text in spec["documents"]:
            upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")
            document_attach(transaction=obj, user=user, upload=upload, purpose=purpose)
        transaction_transition(code=obj.code, action="submit", user=user)
        transaction_transition(code=obj.code, action="register", user=clerk)
        codes.append(obj.code)
    return codes
