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

from bidding.services.companies import (
    company_register,
    company_relations_set,
    expert_pool_add,
    supplier_pool_add,
)
from bidding.services.custodians import custodian_key_set
from bidding.uscc import check_character

from . import clock, workdays
from .models import Membership, Role, Station, Transaction, Unit, User
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
    ("builder", "钱勇", [("chengguan", Role.BIDDER, None)], "bidder 示范县路桥建设有限公司: bids for the paving"),
    ("builder2", "冯敏", [("chengguan", Role.BIDDER, None)], "bidder 城关镇宏达市政工程有限公司: bids"),
    ("builder3", "何军", [("chengguan", Role.BIDDER, None)], "bidder 示范县第二建筑工程有限公司: bids"),
    ("expert", "刘洋", [("chengguan", Role.EXPERT, None)], "expert E-0001 of the pool: assesses if drawn"),
    ("expert2", "孙丽", [("chengguan", Role.EXPERT, None)], "expert E-0002"),
    ("expert3", "马超", [("chengguan", Role.EXPERT, None)], "expert E-0003"),
    ("expert4", "胡静", [("chengguan", Role.EXPERT, None)], "expert E-0004"),
    ("expert5", "林峰", [("chengguan", Role.EXPERT, None)], "expert E-0005"),
    ("expert6", "罗平", [("chengguan", Role.EXPERT, None)], "expert E-0006 (municipal works)"),
    ("expert7", "高洁", [("chengguan", Role.EXPERT, None)], "expert E-0007 (municipal works; employed by a bidder)"),
]

# Suppliers of the demo (unified social credit codes valid by GB 32100-2015, invented).
# The first 17 characters; the 18th is the check character, computed.
DEMO_COMPANIES = [
    ("bidder", "示范县华信电脑有限公司", "91350100MA2Y00001", "计算机设备、办公设备", "陈华"),
    ("bidder2", "城关镇联想电脑专卖店", "92350100MA2Y00002", "计算机设备、办公设备", "周联"),
    ("bidder3", "示范县创新办公设备有限公司", "91350100MA2Y00003", "计算机设备、办公设备", "吴新"),
    ("bidder4", "示范县数码科技有限公司", "91350100MA2Y00004", "计算机设备、办公设备", "郑数"),
    # Construction companies for the courtyard paving (the open tender).
    ("builder", "示范县路桥建设有限公司", "91350100MA2Y00005", "市政工程、道路", "钱路"),
    ("builder2", "城关镇宏达市政工程有限公司", "91350100MA2Y00006", "市政工程", "冯达"),
    ("builder3", "示范县第二建筑工程有限公司", "91350100MA2Y00007", "房屋建筑、市政工程", "何建"),
]
# Experts of the pool: (username, specialty, employer). 高洁 works for a bidder of the
# paving: the committee's draw skips her once that company has bid (docs/draws.md).
DEMO_EXPERTS = [
    ("expert", "计算机与信息设备", "县职业中学"), ("expert2", "计算机与信息设备", "县信息中心"),
    ("expert3", "计算机与信息设备", "县第一中学"), ("expert4", "计算机与信息设备", "县电信分公司"),
    ("expert5", "计算机与信息设备", "县人民医院"), ("expert6", "市政工程", "县住房和城乡建设局"),
    ("expert7", "市政工程", "示范县路桥建设有限公司"),
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
    for username, name, code, categories, representative in DEMO_COMPANIES:
        code = code + check_character(code)
        company = company_register(user=users[username], uscc=code, name=name, contact_name=users[username].full_name,
                                   contact_phone="0591-87650000")
        company_relations_set(company=company, user=users[username], legal_representative=representative,
                              controlled_by="")
        supplier_pool_add(station=station, company=company, categories=categories)
    for username, specialty, employer in DEMO_EXPERTS:
        expert_pool_add(station=station, user=users[username], specialty=specialty, employer=employer)
    for username, passphrase in DEMO_CUSTODIAN_PASSPHRASES.items():
        custodian_key_set(user=users[username], passphrase=passphrase)


# The source of the demo's provisional years (shown in the admin with the provisional label).
DEMO_CALENDAR_SOURCE = ("示范数据：临时日历，仅区分周末，不是国务院节假日安排 / DEMO: provisional calendar, "
                        "weekends only, not the State Council's holidays")


def demo_calendar_years() -> list[int]:
    """The demo's procedure time is compressed, but its periods are counted on the real
    calendar from today: a quote period begun in late December counts working days of next
    year, which the calendar package may have no official data for. The demo enters this
    year and the next, where they have no calendar, as provisional years (weekends only,
    marked as such wherever they are used), so the walk-through works on any day of the
    year. Returns the years it entered. A real station never gets them: `seed_demo` is
    refused in production, and a station enters the State Council's notice (docs/rules.md)."""
    if settings.PRODUCTION:
        raise RuntimeError(DEMO_REFUSED_IN_PRODUCTION)
    this_year = workdays.local_date(clock.now()).year
    entered = [workdays.calendar_provisional_enter(year=year, source=DEMO_CALENDAR_SOURCE)
               for year in (this_year, this_year + 1)]
    return [row.year for row in entered if row is not None]


def demo_is_sandbox() -> bool:
    """The database is the demo's sandbox (`make run`): it holds transactions whose periods
    are compressed, which production refuses (config/settings.py)."""
    return Transaction.objects.filter(time_factor__gt=1).exists()


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
        demo_calendar_years()
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
