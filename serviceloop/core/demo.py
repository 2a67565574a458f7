"""The demo city: a realistic, reproducible tobacco company for demos, manual testing and benchmarks.

``demo_build(customers=3000, seed=1, now=...)`` creates one company (十堰市烟草公司) with the seven
branches and 27 market departments of the real Shiyan customer file, staff of every role, routes
(one per account manager and order day), shops whose shares follow the real file, and a little
history. Everything comes from ``random.Random`` seeded per part, and from ``now``: the same seed
on an empty database gives the same rows.

The parts run in order and hand their results on through a ``DemoCity``:
``build_org`` → ``build_staff`` → ``build_customers`` (routes and shops) → ``build_history``.
Later parts (orders, requests, visits, surveys) add a function that takes the city and its own
``city.rng("<part>")``, so adding a part never changes the data of the parts before it.

Shops are written with ``bulk_create`` (the per-row services are too slow for 30,000 shops), but by
the same rules: station and branch come from the route (``place_on_route``) and, as with
``customer_create``, a new shop has no change rows — only later changes are history.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from serviceloop.core.audit import audit_record, trail_purge
from serviceloop.customers.models import ChangeSource, Customer, CustomerChange
from serviceloop.customers.services import customer_changes, place_on_route, tracked_values
from serviceloop.org.models import Branch, Company, Department, Role, Route, Station, User

COMPANY_NAME = "十堰市烟草公司"
DEPARTMENTS = [("logistics", "物流中心"), ("finance", "财务"), ("marketing", "营销中心")]
COMPANY_CODE = "11420301"
DEMO_PASSWORD = "demo12345"
DEFAULT_CUSTOMERS = 3000
DEFAULT_SEED = 1
MAX_CUSTOMERS = 200_000

# Fixed log-ins, one per role, all in the first branch / station / route so their pages show data.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("admin", Role.CITY_ADMIN, "市局系统管理员，可看全市数据，也可进入 Django 管理后台（/admin/）"),
    ("branch", Role.BRANCH_MANAGER, "城区烟草专卖局(营销部) 负责人，看本县局数据"),
    ("station", Role.STATION_HEAD, "张湾市场部 负责人，看本市场部数据"),
    ("market", Role.MARKET_MANAGER, "城区烟草专卖局(营销部) 市场经理，看所督导的客户经理线路"),
    ("manager", Role.ACCOUNT_MANAGER, "张湾市场部 客户经理，看自己的线路（张湾1组周一线等）"),
    ("agent", Role.AGENT, "市局客服中心 客服人员（电访员），受理全市诉求"),
    ("supervisor", Role.SUPERVISOR, "市局督察考评员，督察全市服务质量"),
    ("inspector", Role.INSPECTOR, "城区烟草专卖局(营销部) 市场管理员（专卖）"),
]

ROLE_ZH = {
    Role.CITY_ADMIN: "市级管理员",
    Role.BRANCH_MANAGER: "县局负责人",
    Role.STATION_HEAD: "站长",
    Role.MARKET_MANAGER: "市场经理",
    Role.ACCOUNT_MANAGER: "客户经理",
    Role.AGENT: "客服人员",
    Role.SUPERVISOR: "督察考评",
    Role.INSPECTOR: "市场管理员",
    Role.DEPARTMENT_STAFF: "部门人员",
}

COUNT_LABELS = {
    "companies": "公司",
    "branches": "县局（营销部）",
    "stations": "市场部（服务站）",
    "routes": "线路",
    "users": "员工账号",
    "departments": "部门",
    "customers": "零售客户",
    "customer_changes": "客户变更记录",
    "orders": "订单",
    "order_lines": "订单明细",
    "deliveries": "配送记录",
    "settlements": "结算记录",
    "failed_settlements": "其中结算失败",
}

# --- The real city -------------------------------------------------------------------------------
# Per market department: shop count, urban-rural code counts and licence division codes as in the real
# file (customers_15020.xlsx), plus an approximate centre and its towns (seat first) and main roads.
URBAN_RURAL_CODES = ("111", "112", "121", "122", "123", "210", "220")
RURAL_CODES = {"210", "220"}


@dataclass(frozen=True)
class StationSpec:
    name: str
    count: int
    codes: tuple[int, ...]  # counts per URBAN_RURAL_CODES
    divisions: dict[str, int]
    centre: tuple[float, float]
    area: str  # address prefix
    towns: tuple[str, ...]
    roads: tuple[str, ...] = ()


GENERIC_ROADS = (
    "人民路", "解放路", "建设路", "中心街", "新街", "老街", "文化路", "沿河路", "府前路", "胜利路",
    "和平路", "车站路", "工业路", "商贸街", "河滨路", "集镇大道",
)  # fmt: skip

BRANCHES: list[tuple[str, str, list[StationSpec]]] = [
    ("城区烟草专卖局(营销部)", "420301", [
        StationSpec("张湾市场部", 1399, (1374, 0, 3, 0, 0, 21, 1), {"420301": 835, "420303": 554, "420302": 9},
                    (32.652, 110.770), "十堰市张湾区",
                    ("车城路街道", "花果街道", "红卫街道", "汉江路街道", "西城街道", "柏林镇", "黄龙镇", "方滩乡"),
                    ("车城路", "人民路", "汉江路", "公园路", "重庆路", "朝阳路", "岩洞沟路", "红卫路", "花果路",
                     "西城路", "张湾路", "大岭路")),
        StationSpec("茅箭市场部", 1431, (1431, 0, 0, 0, 0, 0, 0), {"420301": 914, "420302": 415, "420303": 101},
                    (32.590, 110.810), "十堰市茅箭区",
                    ("武当路街道", "二堰街道", "五堰街道", "东城街道", "大川镇", "茅塔乡", "赛武当"),
                    ("北京南路", "北京北路", "五堰街", "二堰路", "三堰路", "武当路", "东岳路", "浙江路", "上海路",
                     "天津路", "茅箭路", "人民北路")),
        StationSpec("白浪市场部", 1405, (1370, 0, 0, 9, 0, 5, 21), {"420301": 955, "420302": 431, "420303": 19},
                    (32.640, 110.880), "十堰经济技术开发区",
                    ("白浪街道", "东城开发区", "花园", "龙门工业园", "西城开发区"),
                    ("白浪中路", "东风大道", "十堰大道", "江苏路", "广东路", "深圳路", "龙门路", "发展大道",
                     "榆林路")),
    ]),
    ("丹江口市烟草专卖局(营销部)", "420381", [
        StationSpec("丹江口城区市场部", 953, (864, 66, 10, 3, 0, 2, 8), {"420381": 953}, (32.540, 111.510),
                    "丹江口市", ("均州路街道", "大坝街道", "丹赵路街道", "三官殿街道", "土关垭镇"),
                    ("均州路", "丹赵路", "沿江大道", "大坝一路", "太和路", "江山路", "建设路", "环城路",
                     "汉江北路")),
        StationSpec("习家店市场部", 275, (0, 1, 112, 32, 0, 11, 119), {"420381": 275}, (32.700, 111.290),
                    "丹江口市", ("习家店镇", "石鼓镇", "蒿坪镇", "凉水河镇", "盐池河镇")),
        StationSpec("武当山市场部", 658, (0, 1, 275, 57, 264, 4, 57), {"420381": 658}, (32.430, 111.000),
                    "丹江口市", ("武当山特区", "六里坪镇", "官山镇", "太极湖新区"),
                    ("太和路", "玄岳路", "永乐路", "紫霄大道", "元和观路")),
        StationSpec("浪河市场部", 309, (0, 0, 181, 14, 0, 6, 108), {"420381": 309}, (32.400, 111.200),
                    "丹江口市", ("浪河镇", "丁家营镇", "龙山镇", "牛河林区", "均县镇")),
    ]),
    ("房县烟草专卖局(营销部)", "420325", [
        StationSpec("房县城关市场部", 916, (0, 3, 136, 568, 0, 7, 201), {"420325": 916}, (32.060, 110.740),
                    "房县", ("城关镇", "红塔镇", "军店镇", "土城镇"),
                    ("人民路", "东关街", "西关街", "北街", "南街", "房陵大道", "诗经路", "尹吉甫路", "沿河路")),
        StationSpec("门古市场部", 219, (0, 22, 11, 59, 0, 50, 77), {"420325": 217, "420323": 2}, (32.250, 110.660),
                    "房县", ("门古寺镇", "姚坪乡", "中坝乡", "沙河乡")),
        StationSpec("大木市场部", 263, (0, 0, 70, 23, 0, 14, 156), {"420325": 263}, (31.950, 110.500),
                    "房县", ("大木厂镇", "九道乡", "万峪河乡", "上龛乡")),
        StationSpec("化龙市场部", 298, (0, 6, 92, 55, 0, 0, 145), {"420325": 298}, (32.160, 110.900),
                    "房县", ("化龙堰镇", "尹吉甫镇", "五台乡", "白鹤镇")),
        StationSpec("青峰市场部", 249, (0, 0, 82, 9, 0, 44, 114), {"420325": 249}, (32.000, 110.990),
                    "房县", ("青峰镇", "窑淮镇", "回龙乡", "榔口乡", "野人谷镇")),
    ]),
    ("郧阳区烟草专卖局(营销部)", "420304", [
        StationSpec("郧阳城关市场部", 653, (433, 0, 0, 106, 0, 56, 58), {"420304": 385, "420321": 268},
                    (32.830, 110.810), "十堰市郧阳区", ("城关镇", "青曲镇", "安阳镇", "茶店镇"),
                    ("解放南路", "解放北路", "汉江路", "沿江大道", "郧阳路", "天马大道", "刺架岭路", "大堰路",
                     "东岭路")),
        StationSpec("柳陂市场部", 476, (115, 0, 0, 241, 0, 86, 34), {"420304": 251, "420321": 225},
                    (32.760, 110.700), "十堰市郧阳区", ("柳陂镇", "杨溪铺镇", "谭家湾镇", "胡家营镇")),
        StationSpec("鲍峡市场部", 217, (0, 0, 0, 48, 0, 49, 120), {"420321": 114, "420304": 103},
                    (32.830, 110.300), "十堰市郧阳区", ("鲍峡镇", "叶大乡", "大柳乡", "谭山镇")),
        StationSpec("南化市场部", 448, (0, 0, 0, 184, 0, 71, 193), {"420321": 240, "420304": 208},
                    (33.000, 111.000), "十堰市郧阳区", ("南化塘镇", "梅铺镇", "白桑关镇", "刘洞镇")),
    ]),
    ("竹山县烟草专卖局(营销部)", "420323", [
        StationSpec("竹山城关市场部", 664, (355, 18, 112, 69, 0, 45, 65), {"420323": 664}, (32.230, 110.230),
                    "竹山县", ("城关镇", "麻家渡镇", "秦古镇", "上庸镇"),
                    ("人民路", "北大街", "南大街", "女娲路", "堵河路", "沿河路", "上庸路", "文化路")),
        StationSpec("官渡市场部", 222, (0, 0, 64, 0, 0, 30, 128), {"420323": 222}, (31.880, 110.100),
                    "竹山县", ("官渡镇", "柳林乡", "楼台乡", "双台乡", "深河乡")),
        StationSpec("宝丰市场部", 554, (0, 1, 314, 40, 0, 9, 190), {"420323": 554}, (32.330, 110.380),
                    "竹山县", ("宝丰镇", "溢水镇", "擂鼓镇", "得胜镇")),
        StationSpec("竹坪市场部", 321, (0, 0, 49, 49, 0, 68, 155), {"420323": 321}, (32.080, 110.390),
                    "竹山县", ("竹坪乡", "大庙乡", "潘口乡", "文峰乡")),
    ]),
    ("郧西县烟草专卖局(营销部)", "420322", [
        StationSpec("城关市场部", 882, (0, 1, 458, 226, 0, 40, 157), {"420322": 882}, (33.000, 110.420),
                    "郧西县", ("城关镇", "涧池乡", "观音镇", "马安镇", "河夹镇"),
                    ("天河路", "人民大道", "东大街", "西大街", "府前路", "沿河路", "将军河路")),
        StationSpec("店子市场部", 382, (0, 0, 73, 20, 0, 91, 198), {"420322": 382}, (33.070, 110.070),
                    "郧西县", ("店子镇", "上津镇", "湖北口回族乡", "景阳乡", "六郎乡")),
        StationSpec("羊尾市场部", 481, (0, 0, 115, 23, 0, 57, 286), {"420322": 481}, (32.880, 110.700),
                    "郧西县", ("羊尾镇", "夹河镇", "土门镇", "关防乡", "香口乡", "安家乡")),
    ]),
    ("竹溪县烟草专卖局(营销部)", "420324", [
        StationSpec("竹溪城关市场部", 485, (0, 0, 382, 51, 0, 0, 52), {"420324": 485}, (32.320, 109.720),
                    "竹溪县", ("城关镇", "县河镇", "新洲乡", "龙坝镇"),
                    ("人民路", "北大街", "南大街", "振兴路", "民主路", "新建路", "沿河路")),
        StationSpec("水坪市场部", 291, (0, 0, 117, 38, 0, 18, 118), {"420324": 291}, (32.200, 109.800),
                    "竹溪县", ("水坪镇", "鄂坪乡", "丰溪镇", "向坝乡")),
        StationSpec("泉溪市场部", 268, (0, 0, 63, 2, 0, 36, 167), {"420324": 268}, (32.230, 109.470),
                    "竹溪县", ("泉溪镇", "桃源乡", "天宝乡")),
        StationSpec("蒋家堰市场部", 301, (0, 0, 108, 84, 0, 0, 109), {"420324": 301}, (32.400, 109.940),
                    "竹溪县", ("蒋家堰镇", "中峰镇", "汇湾镇", "兵营镇")),
    ]),
]  # fmt: skip

# Shares from the real file (retail formats mapped to our codes; a few 食杂店 Z taken from 便利店).
FORMAT_WEIGHTS = {"B": 12902, "Q": 935, "Y": 726, "F": 280, "Z": 100, "S": 70, "N": 6}
GRADE_WEIGHTS = dict(zip(range(1, 31), (
    130, 149, 299, 296, 447, 444, 447, 596, 599, 631, 624, 618, 763, 749, 746,
    746, 748, 747, 598, 601, 597, 597, 597, 450, 450, 451, 300, 299, 150, 149,
), strict=True))  # fmt: skip
STAR_WEIGHTS = {5: 6, 4: 32, 3: 46, 2: 14, 1: 2}
CREDIT_WEIGHTS = {"AA": 14527, "C": 216, "D": 182, "A": 33, "AAA": 28, "B": 9, "": 25}
SCALE_WEIGHTS = {"1": 10, "2": 35, "3": 55}
STATUS_WEIGHTS = {"active": 975, "suspended": 15, "closed": 10}
# (cycle, weekday) as in ORDER_CYCLE of the real file; weekday None = no ordering visits.
CYCLE_WEIGHTS = {
    ("weekly", 1): 3680, ("odd", 1): 199, ("even", 1): 182,
    ("weekly", 2): 3062, ("odd", 2): 64, ("even", 2): 97,
    ("weekly", 3): 3293, ("odd", 3): 42, ("even", 3): 72,
    ("weekly", 4): 3283, ("odd", 4): 241, ("even", 4): 193,
    ("weekly", 5): 564, ("odd", 5): 6, ("even", 5): 2,
    ("none", None): 40,
}  # fmt: skip
TRADING_AREA_WEIGHTS = {
    "C": {"residential": 4883, "market": 5518, "industrial": 214, "commercial": 255, "office": 98,
          "tourist": 84, "transport": 68, "campus": 34, "other": 8},
    "X": {"residential": 3469, "market": 267, "industrial": 64, "commercial": 3, "office": 18,
          "tourist": 24, "transport": 9, "other": 3},
}  # fmt: skip
FORMAT_STRENGTH = {"Y": 1.4, "S": 1.0, "N": 1.2, "F": 0.1, "B": 0.0, "Q": -0.2, "Z": -0.5}
ENTERPRISE_SHARE = {"S": 0.6, "N": 0.9, "F": 0.15, "Y": 0.06, "B": 0.035, "Q": 0.05, "Z": 0.02}
NEW_SHOP_SHARE = 0.03  # joined in the last 90 days, not yet rated (0 stars)
GRADE_CHANGE_SHARE = 0.05
STAR_CHANGE_SHARE = 0.03
SHOPS_PER_ACCOUNT_MANAGER = 350
ACCOUNT_MANAGERS_PER_MARKET_MANAGER = 6
WEEKDAY_ZH = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五"}

# --- Names -----------------------------------------------------------------------------------------
SURNAMES = {
    "王": 72, "李": 70, "张": 68, "刘": 55, "陈": 45, "杨": 32, "黄": 24, "赵": 22, "吴": 20, "周": 20,
    "徐": 17, "孙": 16, "马": 15, "朱": 14, "胡": 14, "郭": 13, "何": 12, "高": 12, "林": 11, "罗": 11,
    "郑": 10, "梁": 10, "谢": 9, "宋": 9, "唐": 9, "许": 8, "韩": 8, "冯": 8, "邓": 8, "曹": 7,
    "彭": 7, "曾": 7, "肖": 7, "田": 6, "董": 6, "袁": 6, "潘": 5, "于": 5, "蒋": 5, "蔡": 5,
    "余": 6, "杜": 5, "叶": 5, "程": 5, "苏": 4, "魏": 4, "吕": 4, "丁": 4, "任": 4, "沈": 3,
    "柯": 3, "万": 3, "詹": 2, "饶": 2, "闵": 2, "熊": 4, "雷": 3, "聂": 2, "邹": 3, "龚": 2,
}  # fmt: skip
GIVEN_MALE = "伟强军勇杰涛明超刚平辉华建国斌林波峰海鹏磊文志成兵亮俊宏德新春荣福贵生发明祥永庆金山"
GIVEN_FEMALE = "芳娟敏静丽艳霞燕玲萍红梅琴英秀兰凤娥翠丹慧婷莉琳雪云桂珍玉菊香莲花春"
SHOP_WORDS = (
    "惠民", "好又多", "佳佳", "鑫源", "金福", "万家", "兴旺", "顺发", "利民", "百姓", "福源", "恒昌", "永盛",
    "鸿运", "和顺", "平安", "阳光", "便民", "金桥", "家家乐", "华联", "新隆", "盛达", "天天", "乐购", "诚信",
    "富贵", "旺旺", "聚鑫", "宏达", "金源", "祥和", "友谊", "一品", "众鑫", "美佳", "瑞丰", "福满多", "润发",
    "鑫鑫", "隆盛", "乐家", "红旗", "东方", "兴隆", "鼎盛", "吉祥", "好运来", "万隆", "红星",
)  # fmt: skip
SHOP_PATTERNS = {
    "B": ("{place}{word}便利店", "{word}便利店", "老{surname}便利店", "{place}{word}商店", "{word}百货",
          "{place}{word}小卖部", "{person}商店", "{word}日杂店", "{place}{word}便民店"),
    "Z": ("{word}食杂店", "{place}{word}副食店", "{surname}记杂货铺", "{word}粮油副食"),
    "S": ("{word}超市", "{place}{word}购物广场", "{word}生活超市", "{place}{word}平价超市"),
    "N": ("{place}百货大楼", "{word}购物中心", "{word}商场"),
    "Y": ("{word}烟酒行", "{surname}记烟酒店", "老{surname}烟酒店", "{place}名烟名酒", "{word}烟酒商行"),
    "F": ("{word}大酒店", "{word}宾馆", "{word}KTV", "{word}网咖", "{word}棋牌室", "{word}茶楼",
          "{place}{word}酒家", "{word}足浴"),
    "Q": ("{place}{word}加油站", "{place}农家乐", "{word}餐馆", "{person}面馆", "{place}{word}水果店",
          "{word}书报亭", "{word}五金店", "{word}汽车服务"),
}  # fmt: skip
VILLAGE_FIRST = "黄石马王李张刘陈杨周吴赵何龙凤金银桃柳竹松梅"
VILLAGE_LAST = (
    "家湾",
    "家沟",
    "家坪",
    "家河",
    "家岭",
    "家店",
    "家庄",
    "家垭",
    "家营",
    "家坝",
    "家坡",
    "家铺",
)
CARE_NOTES = (
    "店主年迈行动不便", "店主腿脚不便，需上门服务", "店主听力较差，电话沟通请放慢语速",
    "店主视力不好，订单请协助核对", "残疾人经营户，优先送货到店", "独居老人经营，需定期走访关怀",
    "店主患慢性病，需上门服务",
)  # fmt: skip
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186",
    "187", "188", "189", "191", "193", "195", "198", "199",
)  # fmt: skip


class DemoError(Exception):
    """The demo cannot be built or removed; the message (in Chinese) says why."""


# --- Helpers ---------------------------------------------------------------------------------------
def split_counts(total: int, weights) -> list[int]:
    """``total`` split in proportion to ``weights`` by largest remainder (ties: earlier first)."""
    weights = list(weights)
    wsum = sum(weights)
    exact = [total * w / wsum for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def quota(rng: random.Random, weights: dict, n: int, *, shuffle: bool = True) -> list:
    """``n`` values with exactly proportional counts (largest remainder), in random order."""
    values = []
    for value, count in zip(weights, split_counts(n, weights.values()), strict=True):
        values.extend([value] * count)
    if shuffle:
        rng.shuffle(values)
    return values


def ranked(weights: dict, keys: list[float]) -> list:
    """Values with exactly proportional counts, the lowest key getting the first value of ``weights``."""
    values = quota(random.Random(0), weights, len(keys), shuffle=False)
    out = [None] * len(keys)
    for value, i in zip(values, sorted(range(len(keys)), key=lambda i: (keys[i], i)), strict=True):
        out[i] = value
    return out


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Names:
    """Chinese person names and unique mobile numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()
        self.surnames = list(SURNAMES)
        self.surname_cum = []
        acc = 0
        for w in SURNAMES.values():
            acc += w
            self.surname_cum.append(acc)

    def surname(self) -> str:
        return self.rng.choices(self.surnames, cum_weights=self.surname_cum)[0]

    def person(self) -> str:
        chars = GIVEN_MALE if self.rng.random() < 0.6 else GIVEN_FEMALE
        given = self.rng.choice(chars) + (self.rng.choice(chars) if self.rng.random() < 0.7 else "")
        return self.surname() + given

    def mobile(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone


def short_place(name: str) -> str:
    for suffix in ("回族乡", "街道", "开发区", "工业园", "新区", "林区", "特区", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@dataclass
class DemoCity:
    """What the parts built so far; each later part reads what it needs from here."""

    seed: int
    now: dt.datetime
    customers_wanted: int
    company: Company | None = None
    branches: list[Branch] = field(default_factory=list)
    stations: list[Station] = field(default_factory=list)
    station_specs: dict[int, StationSpec] = field(default_factory=dict)  # station pk → spec
    station_sizes: dict[int, int] = field(default_factory=dict)  # station pk → shops
    users: list[User] = field(default_factory=list)
    logins: dict[str, User] = field(default_factory=dict)
    account_managers: dict[int, list[User]] = field(default_factory=dict)  # station pk → AMs
    market_manager_of: dict[str, User] = field(default_factory=dict)  # AM username → MM
    city_admin: User | None = None
    routes: list[Route] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def rng(self, part: str) -> random.Random:
        # One generator per part (string seeds hash deterministically), so parts do not disturb each other.
        return random.Random(f"serviceloop-demo:{self.seed}:{part}")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(settings.TIME_ZONE)

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.tz).date()

    def at(self, day: dt.date, rng: random.Random) -> dt.datetime:
        """A working-hours moment on ``day``, never later than ``now``."""
        moment = dt.datetime.combine(day, dt.time(8 + rng.randrange(10), rng.randrange(60)), tzinfo=self.tz)
        return min(moment, self.now)


# --- Parts -----------------------------------------------------------------------------------------
def build_org(city: DemoCity) -> None:
    """Company, branches and stations (market departments) of the real city."""
    city.company = Company.objects.create(name=COMPANY_NAME, code=COMPANY_CODE)
    specs = [spec for _, _, station_specs in BRANCHES for spec in station_specs]
    sizes = split_counts(city.customers_wanted, [s.count for s in specs])
    size_of = dict(zip([s.name for s in specs], sizes, strict=True))
    for b, (branch_name, division, station_specs) in enumerate(BRANCHES, start=1):
        branch = Branch.objects.create(company=city.company, name=branch_name, code=division)
        city.branches.append(branch)
        for s, spec in enumerate(station_specs, start=1):
            station = Station.objects.create(branch=branch, name=spec.name, code=f"{b:02d}{s:02d}")
            city.stations.append(station)
            city.station_specs[station.pk] = spec
            city.station_sizes[station.pk] = size_of[spec.name]


def build_staff(city: DemoCity) -> None:
    """Staff of every role with Chinese names; the fixed demo log-ins come first in their units."""
    rng = city.rng("staff")
    names = Names(rng)
    used_names: set[str] = set()
    salt = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(22))
    password = make_password(DEMO_PASSWORD, salt=salt)  # hashed once: every demo account shares it
    serial: dict[str, int] = {}
    prefixes = {
        Role.CITY_ADMIN: "ca", Role.BRANCH_MANAGER: "bm", Role.STATION_HEAD: "sh", Role.MARKET_MANAGER: "mm",
        Role.ACCOUNT_MANAGER: "am", Role.AGENT: "ag", Role.SUPERVISOR: "sv", Role.INSPECTOR: "ins",
        Role.DEPARTMENT_STAFF: "dp",
    }  # fmt: skip
    users: list[User] = []

    def person() -> str:
        while True:
            name = names.person()
            if name not in used_names:
                used_names.add(name)
                return name

    def add(role, *, branch=None, station=None, login=None, department=None) -> User:
        if login is None:
            serial[role] = serial.get(role, 0) + 1
            username = f"{prefixes[role]}{serial[role]:03d}"
        else:
            username = login
        user = User(
            username=username,
            password=password,
            full_name=person(),
            phone=names.mobile(),
            role=role,
            company=city.company,
            branch=branch or (station.branch if station else None),
            station=station,
            department=department,
            date_joined=city.now,
        )
        users.append(user)
        if login:
            city.logins[login] = user
        return user

    first_branch, first_station = city.branches[0], city.stations[0]
    admin = add(Role.CITY_ADMIN, login="admin")
    admin.is_staff = admin.is_superuser = True
    city.city_admin = admin
    add(Role.CITY_ADMIN)
    for i in range(max(4, city.customers_wanted // 2500)):
        add(Role.AGENT, login="agent" if i == 0 else None)
    for i in range(2):
        add(Role.SUPERVISOR, login="supervisor" if i == 0 else None)
    stations_of: dict[int, list[Station]] = {}
    for station in city.stations:
        stations_of.setdefault(station.branch_id, []).append(station)
    for branch in city.branches:
        first = branch is first_branch
        add(Role.BRANCH_MANAGER, branch=branch, login="branch" if first else None)
        add(Role.SUPERVISOR, branch=branch)
        add(Role.AGENT, branch=branch)
        add(Role.INSPECTOR, branch=branch, login="inspector" if first else None)
        branch_ams: list[User] = []
        for station in stations_of[branch.pk]:
            add(Role.STATION_HEAD, station=station, login="station" if station is first_station else None)
            add(Role.INSPECTOR, station=station)
            n_am = max(1, round(city.station_sizes[station.pk] / SHOPS_PER_ACCOUNT_MANAGER))
            ams = [
                add(Role.ACCOUNT_MANAGER, station=station,
                    login="manager" if station is first_station and k == 0 else None)
                for k in range(n_am)
            ]  # fmt: skip
            city.account_managers[station.pk] = ams
            branch_ams.extend(ams)
        n_mm = max(1, -(-len(branch_ams) // ACCOUNT_MANAGERS_PER_MARKET_MANAGER))
        mms = [add(Role.MARKET_MANAGER, branch=branch, login="market" if first and k == 0 else None)
               for k in range(n_mm)]  # fmt: skip
        for am, mm_index in zip(
            branch_ams, quota(rng, dict.fromkeys(range(n_mm), 1), len(branch_ams), shuffle=False), strict=True
        ):
            city.market_manager_of[am.username] = mms[mm_index]
    # Departments outside the route chain that settle delivery, payment and product matters (一站式办理).
    for code, name in DEPARTMENTS:
        department = Department.objects.create(company=city.company, name=name, code=code)
        add(Role.DEPARTMENT_STAFF, department=department)
        add(Role.DEPARTMENT_STAFF, department=department)
    taken = sorted(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", flat=True)
    )
    if taken:
        raise DemoError(f"以下用户名已被占用，无法创建演示账号：{'、'.join(taken[:10])}")
    city.users = User.objects.bulk_create(users)


@dataclass
class _Shop:
    """A shop being planned, before it becomes a Customer row."""

    station: Station
    spec: StationSpec
    town: int
    urban_rural_code: str
    lat: float
    lon: float
    road: str = ""
    village: str = ""
    cycle: str = "weekly"
    weekday: int | None = None
    route: Route | None = None


def _plan_station(city: DemoCity, rng: random.Random, station: Station) -> list[_Shop]:
    """Where a station's shops are, which route and order day each has; routes are created here."""
    spec = city.station_specs[station.pk]
    n = city.station_sizes[station.pk]
    k = len(spec.towns)
    spread = 0.02 if spec.roads and spec.codes[0] > 0 else 0.06
    towns = [(spec.centre[0] + (rng.gauss(0, spread) if t else 0), spec.centre[1] + (rng.gauss(0, spread) if t else 0))
             for t in range(k)]  # fmt: skip
    villages = [[rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_LAST) for _ in range(6)] for _ in range(k)]
    roads = spec.roads or GENERIC_ROADS
    shops = []
    for code in quota(rng, dict(zip(URBAN_RURAL_CODES, spec.codes, strict=True)), n):
        rural = code in RURAL_CODES
        town = rng.randrange(k) if rural or rng.random() < 0.5 else 0
        jitter = 0.02 if rural else 0.006
        shop = _Shop(station, spec, town, code, towns[town][0] + rng.gauss(0, jitter),
                     towns[town][1] + rng.gauss(0, jitter))  # fmt: skip
        if code == "220":
            shop.village = rng.choice(villages[town])
        else:
            shop.road = rng.choice(roads if town == 0 else GENERIC_ROADS[:8])
        shops.append(shop)
    # Neighbouring shops share an account manager, and each order day is a compact route.
    shops.sort(key=lambda s: (s.town, s.village, s.road, s.lat))
    ams = city.account_managers[station.pk]
    start = 0
    short = station.name.removesuffix("市场部")
    for a, (am, size) in enumerate(zip(ams, split_counts(n, [1] * len(ams)), strict=True), start=1):
        chunk = shops[start : start + size]
        start += size
        labels = quota(rng, CYCLE_WEIGHTS, size, shuffle=False)
        # Shuffle cycles within each order day, so that odd/even-week shops are spread over the route.
        by_day: dict = {}
        for cycle, weekday in labels:
            by_day.setdefault(weekday, []).append(cycle)
        ordered = []
        for weekday, cycles in by_day.items():
            rng.shuffle(cycles)
            ordered.extend((c, weekday) for c in cycles)
        routes: dict = {}
        for shop, (cycle, weekday) in zip(chunk, ordered, strict=True):
            shop.cycle, shop.weekday = cycle, weekday
            day = weekday or max((d for d in routes if d), default=1)
            if day not in routes:
                routes[day] = Route(
                    station=station,
                    name=f"{short}{a}组{WEEKDAY_ZH[day]}线",
                    code=f"{station.code}-{a:02d}{day}",
                    account_manager=am,
                    market_manager=city.market_manager_of[am.username],
                )
                city.routes.append(routes[day])
            shop.route = routes[day]
    return shops


def _shop_name(rng: random.Random, names: Names, fmt: str, place: str) -> str:
    pattern = rng.choice(SHOP_PATTERNS[fmt])
    return pattern.format(
        place=place,
        word=rng.choice(SHOP_WORDS),
        surname=names.surname(),
        person=names.person()[1:] or "福",
    )


def build_customers(city: DemoCity) -> None:
    """Routes and shops, with shares as in the real file; written in bulk."""
    rng = city.rng("customers")
    names = Names(rng)
    plans: list[_Shop] = []
    for station in city.stations:
        plans.extend(_plan_station(city, rng, station))
    Route.objects.bulk_create(city.routes)
    n = len(plans)
    today = city.today

    # Attributes whose shares are city-wide: exact counts, then tied to a latent "strength" so that
    # tobacco shops and urban shops tend to have higher grades, more stars and a larger scale.
    formats = quota(rng, FORMAT_WEIGHTS, n)
    is_new = quota(rng, {True: NEW_SHOP_SHARE, False: 1 - NEW_SHOP_SHARE}, n)
    strength = [
        rng.gauss(0, 1) + FORMAT_STRENGTH[fmt] + (-0.3 if p.urban_rural_code in RURAL_CODES else 0.3)
        - (0.8 if new else 0)
        for p, fmt, new in zip(plans, formats, is_new, strict=True)
    ]  # fmt: skip
    grades = ranked(GRADE_WEIGHTS, strength)
    rated = [i for i in range(n) if not is_new[i]]
    star_of = ranked(
        {s: STAR_WEIGHTS[s] for s in (1, 2, 3, 4, 5)}, [strength[i] + rng.gauss(0, 0.8) for i in rated]
    )
    stars = [0] * n
    for i, s in zip(rated, star_of, strict=True):
        stars[i] = s
    scales = ranked({"3": SCALE_WEIGHTS["3"], "2": SCALE_WEIGHTS["2"], "1": SCALE_WEIGHTS["1"]},
                    [s + rng.gauss(0, 1) for s in strength])  # fmt: skip
    quality = ranked({False: 95, True: 5}, [s + rng.gauss(0, 0.5) for s in strength])
    credits = quota(rng, CREDIT_WEIGHTS, n)
    e_settlement = quota(rng, {True: 90, False: 10}, n)
    care = quota(rng, {True: 2, False: 98}, n)
    status_of = quota(rng, STATUS_WEIGHTS, len(rated))
    statuses = ["active"] * n
    for i, s in zip(rated, status_of, strict=True):
        statuses[i] = s

    customers = []
    for i, p in enumerate(plans):
        fmt = formats[i]
        market_type = "X" if p.urban_rural_code in RURAL_CODES else "C"
        town = p.spec.towns[p.town]
        if p.village:
            address = f"{p.spec.area}{town}{p.village}村{rng.randint(1, 12)}组"
        else:
            address = f"{p.spec.area}{town}{p.road}{rng.randint(1, 388)}号"
        place = short_place(town) if p.village or rng.random() < 0.5 else p.road.removesuffix("路")
        if is_new[i]:
            joined = today - dt.timedelta(days=rng.randrange(1, 90))
        else:
            joined = today - dt.timedelta(days=rng.randrange(90, 15 * 365))
        customer = Customer(
            licence_no="",  # numbered below, oldest shops first
            name=_shop_name(rng, names, fmt, place),
            owner_name=names.person(),
            phone=names.mobile(),
            alt_phone=f"0719-8{rng.randrange(10**6):06d}" if rng.random() < 0.15 else "",
            address=address,
            latitude=Decimal(f"{p.lat:.6f}"),
            longitude=Decimal(f"{p.lon:.6f}"),
            route=p.route,
            retail_format=fmt,
            market_type=market_type,
            business_scale=scales[i],
            urban_rural_code=p.urban_rural_code,
            trading_area=weighted(rng, TRADING_AREA_WEIGHTS[market_type]),
            grade=grades[i],
            stars=stars[i],
            credit_rating=credits[i],
            order_cycle=p.cycle,
            order_weekday=p.weekday,
            status=statuses[i],
            joined_on=joined,
            e_settlement=e_settlement[i],
            online_ordering=rng.random() < (0.18 if market_type == "C" else 0.08),
            quality_terminal=quality[i],
            quality_data_share=False,
            care_flag=care[i],
            care_note=rng.choice(CARE_NOTES) if care[i] else "",
        )
        place_on_route(customer)
        customers.append(customer)
    _number_licences(rng, plans, customers)
    _group_mutual_aid(rng, plans, customers)
    city.customers = Customer.objects.bulk_create(customers, batch_size=500)
    # auto_now fields took the wall clock; the demo's clock is ``now``.
    Customer.objects.filter(branch__company=city.company).update(created_at=city.now, updated_at=city.now)


def _number_licences(rng: random.Random, plans: list[_Shop], customers: list[Customer]) -> None:
    """Unique 12-digit licence numbers: division code + nature digit + serial, older shops lower serials.

    Numbers already in the database (e.g. an imported real file) are skipped.
    """
    prefixes: dict[str, list[int]] = {}
    for i, (p, c) in enumerate(zip(plans, customers, strict=True)):
        division = weighted(rng, p.spec.divisions)
        nature = "2" if rng.random() < ENTERPRISE_SHARE[c.retail_format] else "1"
        prefixes.setdefault(division + nature, []).append(i)
    for prefix in sorted(prefixes):
        members = prefixes[prefix]
        taken = {
            int(no[7:])
            for no in Customer.objects.filter(licence_no__startswith=prefix).values_list(
                "licence_no", flat=True
            )
        }
        if len(members) + len(taken) > 99_999:
            raise DemoError(f"许可证号前缀 {prefix} 的流水号不够用，请减少客户数。")
        serials = sorted(
            s for s in rng.sample(range(1, 100_000), len(members) + len(taken)) if s not in taken
        )
        members.sort(key=lambda i: (customers[i].joined_on, i))
        for i, serial in zip(members, serials, strict=False):
            customers[i].licence_no = f"{prefix}{serial:05d}"


def _group_mutual_aid(rng: random.Random, plans: list[_Shop], customers: list[Customer]) -> None:
    """Integrity mutual-aid groups of 10–18 neighbouring shops, named after a road or village of the group."""
    towns: dict[tuple, list[int]] = {}
    for i, p in enumerate(plans):
        towns.setdefault((p.station.pk, p.town), []).append(i)
    for (_, town), members in towns.items():
        members.sort(key=lambda i: (plans[i].road or plans[i].village, plans[i].lat, i))
        town_name = short_place(plans[members[0]].spec.towns[town])
        groups = []
        while members:
            size = rng.randint(10, 18)
            groups.append(members[:size])
            members = members[size:]
        labels = []
        for group in groups:
            place = plans[group[0]].road or plans[group[0]].village
            labels.append(place if town == 0 or place.startswith(town_name) else town_name + place)
        seen: dict[str, int] = {}
        for label, group in zip(labels, groups, strict=True):
            seen[label] = seen.get(label, 0) + 1
            suffix = f"{seen[label]}组" if labels.count(label) > 1 else ""
            for i in group:
                customers[i].mutual_aid_group = f"{label}诚信互助小组{suffix}"


def build_history(city: DemoCity) -> None:
    """Baseline change rows for every shop (as ``customer_create`` writes), plus past changes of grade,
    stars and status for a few percent, so that lists such as "grade dropped" have something to find."""
    rng = city.rng("history")
    today = city.today
    changes: list[CustomerChange] = []
    routes = {r.pk: r for r in city.routes}
    ams = {u.pk: u for u in city.users}
    for customer in city.customers:
        old_after = customer.joined_on + dt.timedelta(days=30)
        eligible = old_after < today - dt.timedelta(days=7)
        final = tracked_values(customer)
        later: list[tuple[str, object]] = []
        if eligible and rng.random() < GRADE_CHANGE_SHARE:
            step = rng.choice((1, 1, 1, 1, 2, 2, 3)) * (1 if rng.random() < 0.5 else -1)
            later.append(("grade", min(30, max(1, customer.grade - step))))
        if eligible and customer.stars and rng.random() < STAR_CHANGE_SHARE:
            up = customer.stars == 1 or (customer.stars < 5 and rng.random() < 0.5)
            later.append(("stars", customer.stars + (1 if up else -1)))
        if eligible and customer.status != "active":
            later.append(("status", "active"))
        later = [(f, old) for f, old in later if str(old) != final[f]]
        current = {f: getattr(customer, f) for f, _ in later}
        for f, old in later:
            setattr(customer, f, old)
        for f, _ in later:
            before = tracked_values(customer)
            setattr(customer, f, current[f])
            start = max(old_after, today - dt.timedelta(days=540))
            day = start + dt.timedelta(days=rng.randrange(max(1, (today - start).days - 1)))
            actor = city.city_admin if f == "grade" else ams.get(routes[customer.route_id].account_manager_id)
            changes.extend(customer_changes(before=before, customer=customer, actor=actor,
                                            source=ChangeSource.DEMO, now=city.at(day, rng)))  # fmt: skip
    CustomerChange.objects.bulk_create(changes, batch_size=2000)
    city.counts["customer_changes"] = len(changes)


# --- Entry points ------------------------------------------------------------------------------
def demo_exists() -> bool:
    return Company.objects.filter(name=COMPANY_NAME).exists()


@transaction.atomic
def demo_build(*, customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED, now) -> dict[str, int]:
    """Builds the demo city in one transaction and returns the number of rows of each kind."""
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise DemoError(f"客户数须在 1 到 {MAX_CUSTOMERS} 之间。")
    if demo_exists():
        raise DemoError(f"演示公司（{COMPANY_NAME}）已存在。")
    city = DemoCity(seed=seed, now=now, customers_wanted=customers)
    build_org(city)
    build_staff(city)
    build_customers(city)
    build_history(city)
    from serviceloop.surveys.demo import build_surveys

    build_surveys(city)
    # Requests before the visit loop: its key lists (complaints, tip-offs) are computed from them.
    from serviceloop.servicedesk.demo import build_servicedesk_demo

    build_servicedesk_demo(city)
    from serviceloop.visits.demo import build_loop_demo

    build_loop_demo(city)
    from serviceloop.growth.demo import build_allocation_demo

    build_allocation_demo(city)
    from serviceloop.trade.demo import build_trade_demo

    city.counts.update(build_trade_demo(city))
    from serviceloop.trainings.demo import build_trainings_demo

    build_trainings_demo(city)
    from serviceloop.core.counts import counts_rebuild

    counts_rebuild(now)  # the demo writes in bulk, around the services that keep the pre-aggregated counts
    from serviceloop.growth.care import settlementrisk_rebuild

    settlementrisk_rebuild(now=now)  # and its settlements around the imports that keep the care list's scores
    city.counts.update(
        companies=1,
        branches=len(city.branches),
        stations=len(city.stations),
        routes=len(city.routes),
        users=len(city.users),
        departments=len(DEPARTMENTS),
        customers=len(city.customers),
    )
    counts = {key: city.counts[key] for key in COUNT_LABELS}
    audit_record(
        actor=None, action="demo.build", obj=city.company, summary=f"demo seed={seed}", data=counts, now=now
    )
    return counts


@transaction.atomic
def demo_reset() -> dict[str, int]:
    """Deletes the demo company and everything under it (shops, history, routes, staff).

    Only untouched demo data is deleted: if any shop's history shows an edit or an import, or other rows
    still point at demo rows (e.g. audit rows of what demo staff did), it raises ``DemoError`` and
    deletes nothing — the work done in the demo would otherwise be lost without a trace.
    """
    company = Company.objects.filter(name=COMPANY_NAME).first()
    if company is None:
        return {}
    foreign = CustomerChange.objects.filter(customer__branch__company=company).exclude(
        source=ChangeSource.DEMO
    )
    if foreign.exists():
        raise DemoError(
            f"演示公司下有 {foreign.values('customer').distinct().count()} 家客户已被编辑或导入过，"
            "为免丢失这些数据，未做任何删除。"
        )
    from serviceloop.trade.demo import reset_trade_demo

    reset_trade_demo(company)
    from serviceloop.trainings.demo import reset_trainings_demo

    reset_trainings_demo(company)
    steps = [
        ("customer_changes", CustomerChange.objects.filter(customer__branch__company=company)),
        ("customers", Customer.objects.filter(branch__company=company)),
        ("routes", Route.objects.filter(station__branch__company=company)),
        ("users", User.objects.filter(company=company)),
        ("departments", Department.objects.filter(company=company)),
        ("stations", Station.objects.filter(branch__company=company)),
        ("branches", Branch.objects.filter(company=company)),
        ("companies", Company.objects.filter(pk=company.pk)),
    ]
    deleted = {}
    try:
        with trail_purge():  # the demo's own history goes with it (the database refuses it otherwise)
            for key, queryset in steps:
                deleted[key] = queryset.delete()[1].get(queryset.model._meta.label, 0)
    except (ProtectedError, RestrictedError) as exc:
        objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        kinds = sorted({str(obj._meta.verbose_name) for obj in objects})
        raise DemoError(
            f"还有 {len(objects)} 条其他数据（{'、'.join(kinds)}）引用演示公司的数据，"
            "例如演示员工操作留下的审计记录；为免丢失这些数据，未做任何删除。"
        ) from exc
    from serviceloop.customers.tally import shoptally_rebuild

    shoptally_rebuild()  # the shops went in bulk
    return deleted
