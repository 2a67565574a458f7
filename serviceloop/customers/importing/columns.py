"""Which column is which: Chinese or English headers, including the provincial system's export names.

Headers are matched after NFKC, removing spaces and a trailing "*" or "(必填)", case-insensitively, so
``CUST_CODE``, ``cust_code`` and ``许可证号 *`` all work.
"""

import re
from dataclasses import dataclass

from .values import key

# field → headers that mean it, separated by "|". The first ones are the real file's names (customers_15020.xlsx).
# fmt: off
_ALIAS_TEXT = {
    "licence_no": "CUST_CODE|licence_no|license_no|licence|license|licence number|许可证号|许可证号码|许可证编号|"
                  "专卖许可证号|烟草专卖零售许可证号|零售许可证号|许可证",
    "name": "SHOP_NAME|CUST_NAME|name|shop name|客户名称|店名|店铺名称|商店名称|零售户名称|门店名称|字号",
    "owner_name": "OWNER|OWNER_NAME|owner|负责人|经营者|经营者姓名|业主|户主|法人|法定代表人",
    "phone": "PHONE|TEL|MOBILE|phone|电话|联系电话|手机|手机号|手机号码|订货电话",
    "alt_phone": "ALT_PHONE|PHONE2|second phone|备用电话|其他电话|联系电话2|电话2",
    "address": "ADDRESS|BUSI_ADDR|address|地址|经营地址|店铺地址|门店地址",
    "latitude": "LATITUDE|LAT|纬度",
    "longitude": "LONGITUDE|LNG|LON|经度",
    "branch": "COMPANY_BRANCH|BRANCH|县局|县级局|分公司|营销部|所属县局|所属营销部|县局(营销部)",
    "station": "MARKET_DEPARTMENT|STATION|市场部|所属市场部|基层服务站|服务站|所属服务站|站点",
    "route": "ROUTE|ROUTE_NAME|线路|线路名称|拜访线路|送货线路|访销线路|所属线路",
    "retail_format": "CUST_FORMAT|RETAIL_FORMAT|retail format|业态|经营业态|零售业态|客户业态",
    "market_type": "MARKET_TYPE|market type|市场类型|城乡类型|网络类型",
    "business_scale": "SCALE|BUSINESS_SCALE|business scale|业态规模|经营规模|规模",
    "urban_rural_code": "CLASSIFICATION_CODE|URBAN_RURAL_CODE|urban-rural code|城乡分类代码|城乡分类|城乡代码|城乡划分",
    "trading_area": "BUSINESS_DISTRICT_TYPE|TRADING_AREA|trading area|商圈|商圈类型|所属商圈",
    "grade": "GRADE|CUST_GRADE|grade|档位|客户档位|档级",
    "stars": "STARS|STAR|STAR_LEVEL|stars|星级|客户星级",
    "credit_rating": "CREDIT_LEVEL|CREDIT_RATING|CREDIT|credit rating|诚信等级|信用等级|诚信等级评定",
    "order_cycle": "ORDER_CYCLE|order cycle|访销周期|订货周期|访销日|订货日|访销日期",
    "mutual_aid_group": "GROUP_NAME|MUTUAL_AID_GROUP|integrity mutual-aid group|诚信互助小组|互助小组|诚信互助组|"
                        "小组名称|自律小组",
    "status": "BUSINESS_STATUS|STATUS|status|经营状态|客户状态|状态",
    "joined_on": "JOIN_DATE|JOINED_ON|join date|入网日期|入网时间|建档日期|发证日期",
    "e_settlement": "E_SETTLEMENT|e-settlement|电子结算|是否电子结算|电子结算户",
    "online_ordering": "ONLINE_ORDERING|online ordering|网上订货|是否网上订货|网上订货户",
    "quality_terminal": "QUALITY_TERMINAL|quality terminal|优质客户|优质终端|是否优质客户",
    "quality_data_share": "QUALITY_DATA_SHARE|quality data sharing|数据共享|优质数据共享|是否数据共享",
    "care_flag": "CARE_FLAG|老弱病残|是否老弱病残|关爱对象",
    "care_note": "CARE_NOTE|care note|关爱备注|老弱病残备注",
}
# fmt: on
ALIASES: dict[str, tuple[str, ...]] = {f: tuple(text.split("|")) for f, text in _ALIAS_TEXT.items()}

# Used only when no column above names the field: the real file repeats the branch as COMPANY_DISTRICT.
FALLBACK_ALIASES: dict[str, tuple[str, ...]] = {"branch": ("COMPANY_DISTRICT", "区县", "所属区县")}

# Known columns with nothing to store: row numbers, the internal id (equal to the licence in the real
# file), and the mutual-aid flag (always 0 in the real file, while GROUP_NAME is filled).
IGNORED = ("ID", "序号", "行号", "CUST_ID", "客户ID", "IS_MUTUAL_AID_GROUP", "是否互助小组")

# Chinese names of the fields, for messages.
# fmt: off
LABELS = {
    "licence_no": "许可证号", "name": "客户名称", "owner_name": "负责人", "phone": "电话", "alt_phone": "备用电话",
    "address": "地址", "latitude": "纬度", "longitude": "经度", "branch": "县局（营销部）", "station": "市场部（服务站）",
    "route": "线路", "retail_format": "业态", "market_type": "市场类型", "business_scale": "经营规模",
    "urban_rural_code": "城乡分类", "trading_area": "商圈", "grade": "档位", "stars": "星级",
    "credit_rating": "诚信等级", "order_cycle": "访销周期", "mutual_aid_group": "诚信互助小组", "status": "经营状态",
    "joined_on": "入网日期", "e_settlement": "电子结算", "online_ordering": "网上订货", "quality_terminal": "优质客户",
    "quality_data_share": "数据共享", "care_flag": "老弱病残", "care_note": "关爱备注",
}
# fmt: on

# How many rows above the header may hold a title ("2026年零售客户信息表") before we give up looking.
HEADER_SEARCH_ROWS = 10

_DECORATION = re.compile(r"(\*|＊|[(（]必填[)）]|[(（]选填[)）])+$")


def header_key(value) -> str:
    return _DECORATION.sub("", key(value))


_LOOKUP = {header_key(alias): f for f, aliases in ALIASES.items() for alias in aliases}
_FALLBACK = {header_key(alias): f for f, aliases in FALLBACK_ALIASES.items() for alias in aliases}
_IGNORED = {header_key(h) for h in IGNORED}


@dataclass
class Column:
    index: int  # 0-based position in the row
    header: str  # as written in the file
    field: str


@dataclass
class Mapping:
    columns: dict[str, Column]  # field → column
    ignored: list[str]  # unrecognised headers
    duplicates: list[tuple[str, Column, Column]]  # field, first column, second column


def map_headers(headers: tuple) -> Mapping:
    columns: dict[str, Column] = {}
    fallbacks: dict[str, Column] = {}
    ignored, duplicates = [], []
    for index, raw in enumerate(headers):
        k = header_key(raw)
        if not k:
            continue
        header = " ".join(str(raw).split())
        if k in _LOOKUP:
            column = Column(index, header, _LOOKUP[k])
            if column.field in columns:
                duplicates.append((column.field, columns[column.field], column))
            else:
                columns[column.field] = column
        elif k in _FALLBACK:
            fallbacks.setdefault(_FALLBACK[k], Column(index, header, _FALLBACK[k]))
        elif k not in _IGNORED:
            ignored.append(header)
    for field, column in fallbacks.items():
        columns.setdefault(field, column)
    return Mapping(columns=columns, ignored=ignored, duplicates=duplicates)


def is_licence_header(value) -> bool:
    return _LOOKUP.get(header_key(value)) == "licence_no"
