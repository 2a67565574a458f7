"""Which column is which, per kind of file: built-in names (Chinese, English, the source systems' own) plus
the editable ``ColumnAlias`` table. Headers are matched as the customer import matches them (NFKC, no
spaces, case-folded, a trailing "*" or "(必填)" ignored).
"""

from dataclasses import dataclass

from serviceloop.customers.importing.columns import header_key

# fmt: off
_TEXT = {
    "products": {
        "code": "CIG_CODE|PRODUCT_CODE|ITEM_CODE|code|product code|卷烟编码|卷烟代码|商品编码|商品代码|规格编码|产品编码|"
                "条码|卷烟条码",
        "name": "CIG_NAME|PRODUCT_NAME|ITEM_NAME|name|product name|卷烟名称|商品名称|规格名称|品名|卷烟规格",
        "brand": "BRAND|BRAND_NAME|brand|品牌|品牌名称",
        "manufacturer": "FACTORY|MANUFACTURER|PRODUCER|manufacturer|生产厂家|厂家|工业企业|生产企业|供货单位",
        "price_class": "PRICE_CLASS|CIG_CLASS|price class|价类|价格类别|卷烟类别|类别",
        "wholesale_price": "WHOLESALE_PRICE|TRADE_PRICE|PRICE|wholesale price|批发价|批发价格|调拨价|单价",
        "retail_price": "RETAIL_PRICE|SUGGESTED_RETAIL_PRICE|retail price|建议零售价|零售价|零售指导价",
        "packs_per_carton": "PACKS_PER_CARTON|packs per carton|每条盒数|盒/条",
        "is_new": "IS_NEW|new product|新品|是否新品",
        "is_scarce": "IS_SCARCE|scarce|紧俏|是否紧俏|货源紧俏",
        "is_price_band": "IS_PRICE_BAND|price band|价位段|是否价位段",
        "allocation_method": "DELIVERY_METHOD|allocation method|投放方式|投放方法",
        "active": "ACTIVE|STATUS|在售|是否在售|状态",
    },
    "orders": {
        "order_no": "ORDER_ID|ORDER_NO|ORDER_CODE|order number|order_no|订单号|订单编号|订单编码|单据号",
        "licence_no": "CUST_CODE|LICENSE_CODE|licence_no|licence number|许可证号|许可证号码|专卖许可证号|客户许可证号|"
                      "烟草专卖零售许可证号",
        "order_date": "ORDER_DATE|BORN_DATE|order date|订货日期|订单日期|下单日期|日期",
        "channel": "ORDER_WAY|CHANNEL|ORDER_CHANNEL|channel|订货方式|订货渠道|下单方式|订单来源",
        "status": "ORDER_STATUS|STATUS|status|订单状态|状态",
        "product_code": "CIG_CODE|PRODUCT_CODE|ITEM_CODE|product code|卷烟编码|卷烟代码|商品编码|商品代码|规格编码",
        "product_name": "CIG_NAME|PRODUCT_NAME|product name|卷烟名称|商品名称|规格名称|品名",
        "qty_asked": "QTY_DEMAND|QTY_REQ|DEMAND_QTY|qty asked|quantity asked|订购量|需求量|要货量|订货量|申报量",
        "qty_supplied": "QTY_ORDER|QTY_SUPPLY|SUPPLY_QTY|qty supplied|quantity supplied|供货量|订单量|满足量|实供量",
        "unit_price": "PRICE|UNIT_PRICE|unit price|单价|批发价|价格",
        "amount": "AMOUNT|AMT|ORDER_AMT|amount|金额|订单金额|总金额",
    },
    "deliveries": {
        "order_no": "ORDER_ID|ORDER_NO|order number|订单号|订单编号",
        "licence_no": "CUST_CODE|LICENSE_CODE|licence_no|许可证号|客户许可证号",
        "planned_date": "PLAN_DATE|DIST_DATE|planned date|计划送货日期|计划配送日期|应送日期|配送日期|送货日期",
        "delivered_at": "ARRIVE_TIME|SIGN_TIME|delivered at|送达时间|签收时间|实际送达时间|到货时间",
        "outcome": "SIGN_STATUS|OUTCOME|outcome|签收状态|送货结果|配送结果|签收情况",
        "cartons": "QTY|DIST_QTY|cartons|送货量|配送量|实送量|送货数量",
        "lines_short": "SHORT_LINES|lines short|少送品规数|短少品规|少送",
        "lines_over": "OVER_LINES|lines over|多送品规数|多送",
        "lines_wrong": "WRONG_LINES|lines wrong|错送品规数|错送",
        "damaged_cartons": "DAMAGED_QTY|damaged cartons|破损数量|破损条数|破损量",
        "note": "REMARK|NOTE|exception note|异常说明|备注|异常情况",
    },
    "settlements": {
        "order_no": "ORDER_ID|ORDER_NO|order number|订单号|订单编号",
        "licence_no": "CUST_CODE|LICENSE_CODE|licence_no|许可证号|客户许可证号",
        "method": "PAY_TYPE|PAY_METHOD|method|结算方式|支付方式|付款方式",
        "attempted_at": "PAY_TIME|DEDUCT_TIME|attempted at|扣款时间|结算时间|支付时间",
        "result": "PAY_RESULT|RESULT|result|扣款结果|结算结果|支付结果",
        "failure_reason": "FAIL_REASON|failure reason|失败原因|扣款失败原因",
        "amount": "PAY_AMT|AMOUNT|amount|扣款金额|结算金额|金额",
        "state": "PAY_STATUS|STATE|final state|结算状态|最终状态",
    },
}
# fmt: on
BUILTIN: dict[str, dict[str, tuple[str, ...]]] = {
    kind: {field: tuple(text.split("|")) for field, text in fields.items()} for kind, fields in _TEXT.items()
}

REQUIRED = {
    "products": ("code",),
    "orders": ("order_no", "licence_no", "order_date", "product_code", "qty_asked"),
    "deliveries": ("order_no", "planned_date"),
    "settlements": ("order_no", "attempted_at", "result"),
}
# The column whose header marks the header row (and the sheet to read, when a workbook has several).
KEY_FIELD = {"products": "code", "orders": "order_no", "deliveries": "order_no", "settlements": "order_no"}

# fmt: off
LABELS = {
    "code": "卷烟编码", "name": "卷烟名称", "brand": "品牌", "manufacturer": "生产厂家", "price_class": "价类",
    "wholesale_price": "批发价", "retail_price": "建议零售价", "packs_per_carton": "每条盒数", "is_new": "新品",
    "is_scarce": "紧俏", "is_price_band": "价位段", "allocation_method": "投放方式", "active": "在售",
    "order_no": "订单号", "licence_no": "许可证号", "order_date": "订货日期", "channel": "订货方式",
    "status": "订单状态", "product_code": "卷烟编码", "product_name": "卷烟名称", "qty_asked": "订购量",
    "qty_supplied": "供货量", "unit_price": "单价", "amount": "金额", "planned_date": "计划送货日期",
    "delivered_at": "送达时间", "outcome": "签收状态", "cartons": "送货量", "lines_short": "少送品规数",
    "lines_over": "多送品规数", "lines_wrong": "错送品规数", "damaged_cartons": "破损条数", "note": "异常说明",
    "method": "结算方式", "attempted_at": "扣款时间", "result": "扣款结果", "failure_reason": "失败原因",
    "state": "结算状态",
}
# fmt: on


@dataclass
class Column:
    index: int
    header: str
    field: str


@dataclass
class Mapping:
    columns: dict[str, Column]
    ignored: list[str]
    duplicates: list[tuple[str, Column, Column]]


def lookup(kind: str) -> dict[str, str]:
    """header key → field, built-in names first, then the company's ColumnAlias rows (which win)."""
    from ..models import ColumnAlias

    table = {header_key(alias): field for field, aliases in BUILTIN[kind].items() for alias in aliases}
    for header, field in ColumnAlias.objects.filter(kind=kind).values_list("header", "field"):
        if field in BUILTIN[kind]:
            table[header_key(header)] = field
    return table


def key_header_test(kind: str, table: dict[str, str]):
    key_field = KEY_FIELD[kind]
    return lambda cell: table.get(header_key(cell)) == key_field


def map_headers(headers: tuple, table: dict[str, str]) -> Mapping:
    columns: dict[str, Column] = {}
    ignored, duplicates = [], []
    for index, raw in enumerate(headers):
        k = header_key(raw)
        if not k:
            continue
        header = " ".join(str(raw).split())
        field = table.get(k)
        if field is None:
            ignored.append(header)
        elif field in columns:
            duplicates.append((field, columns[field], Column(index, header, field)))
        else:
            columns[field] = Column(index, header, field)
    return Mapping(columns=columns, ignored=ignored, duplicates=duplicates)
