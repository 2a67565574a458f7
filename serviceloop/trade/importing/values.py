"""Cell parsers of the trade import, on top of the customer import's (``customers.importing.values``).

Each takes a raw cell and returns a value or raises ``Bad`` with a Chinese message saying what to fix.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from serviceloop.customers.importing import values as cv
from serviceloop.customers.importing.values import SCIENTIFIC_MESSAGE, Bad, is_blank, key, text

__all__ = ["Bad", "is_blank", "key", "text"]

_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d*)?[eE][+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_CURRENCY = str.maketrans("", "", "¥￥元,，")


def code(value, *, what: str, max_length: int = 20) -> str:
    """A code that must keep every character (order number, product code): digits stay digits.

    A number cell that Excel turned into scientific notation (4.2030112345E+11) has lost digits and is refused.
    """
    if isinstance(value, bool):
        raise Bad(f"{what}格式不正确。")
    if isinstance(value, float):
        if not value.is_integer():
            raise Bad(f"{what}不应带小数。")
        if abs(value) >= 1e15:
            raise Bad(SCIENTIFIC_MESSAGE)
        value = int(value)
    if isinstance(value, int):
        s = str(value)
    else:
        s = key(value).lstrip("'")
        s = s.upper() if s.isascii() else s
        if _SCIENTIFIC.fullmatch(s):
            raise Bad(SCIENTIFIC_MESSAGE)
        if re.fullmatch(r"\d+\.0+", s):
            s = s.split(".")[0]
    if not s:
        raise Bad(f"{what}为空。")
    if len(s) > max_length:
        raise Bad(f"{what}最多{max_length}个字符，这里有{len(s)}个。")
    return s


def quantity(value, *, what: str) -> int:
    """Cartons: a whole number ≥ 0 (2.0 is accepted as 2; 2.5 and -1 are refused)."""
    if isinstance(value, bool):
        raise Bad(f"{what}应为整数。")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise Bad(f"{what}应为整数（条），这里是{value:g}：不能有小数。")
        number = int(value)
    else:
        s = key(value)
        if not _DECIMAL.fullmatch(s):
            raise Bad(f"{what}应为整数（条），这里不是数字。")
        d = Decimal(s)
        if d != d.to_integral_value():
            raise Bad(f"{what}应为整数（条），这里是{s}：不能有小数。")
        number = int(d)
    if number < 0:
        raise Bad(f"{what}不能为负数，这里是{number}。退货或更正请在源系统中修改原订单后重新导出。")
    if number > 1_000_000:
        raise Bad(f"{what}过大（{number}），请检查单位是否为条。")
    return number


def money(value, *, what: str) -> Decimal:
    """Yuan with at most two decimals, ≥ 0; "¥1,234.50" and "1234.5元" are accepted."""
    if isinstance(value, bool):
        raise Bad(f"{what}应为金额数字。")
    if isinstance(value, int | float):
        s = repr(value) if isinstance(value, float) else str(value)
    else:
        s = key(value).translate(_CURRENCY)
    if _SCIENTIFIC.fullmatch(s):
        raise Bad(SCIENTIFIC_MESSAGE)
    try:
        number = Decimal(s)
    except InvalidOperation as exc:
        raise Bad(f"{what}应为金额数字（元），如 125.50。") from exc
    if not number.is_finite():
        raise Bad(f"{what}应为金额数字（元），如 125.50。")
    if number < 0:
        raise Bad(f"{what}不能为负数。")
    rounded = number.quantize(Decimal("0.01"))
    if abs(rounded - number) > Decimal("0.000001"):
        raise Bad(f"{what}最多两位小数（分），这里是{s}。")
    if rounded >= Decimal("1e10"):
        raise Bad(f"{what}过大。")
    return rounded


def date(value) -> dt.date:
    return cv.date(value)


_TIME_RE = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ]?(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2}))?)?"
)


def moment(value) -> dt.datetime:
    """A date and time (local time of the company); a bare date means the start of that day."""
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.date):
        return timezone.make_aware(dt.datetime.combine(value, dt.time()))
    if isinstance(value, int | float) and not isinstance(value, bool):
        days = cv.date(int(value))
        seconds = round((float(value) - int(value)) * 86400)
        return timezone.make_aware(dt.datetime.combine(days, dt.time()) + dt.timedelta(seconds=seconds))
    s = " ".join(text(value).split())
    m = _TIME_RE.fullmatch(s.replace(" ", "T", 1) if "T" not in s else s) or _TIME_RE.fullmatch(s)
    if m:
        y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
        try:
            return timezone.make_aware(dt.datetime(y, mo, d, h, mi, sec))
        except ValueError:
            pass
    raise Bad("时间无法识别：请写成 2025-03-15 14:30 这样的格式。")


def boolean(value) -> bool:
    return cv.boolean(value)


def bounded(value, *, max_length: int, what: str) -> str:
    return cv.bounded_text(value, max_length=max_length, what=what)


def week_of(day: dt.date) -> dt.date:
    """The Monday of the ISO week that ``day`` falls in."""
    return day - dt.timedelta(days=day.weekday())


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


# Values other systems write, per field, → our codes. The ValueAlias table adds to these and wins.
# fmt: off
BUILTIN_VALUES = {
    "channel": {"online": "online|网上订货|网上|网订|网络订货|线上|app|小程序|微信|web|互联网",
                "phone": "phone|电话|电话订货|电访|电话访销|呼叫中心|客服",
                "visit": "visit|拜访|拜访订货|上门|走访|现场|客户经理|访销",
                "other": "other|其他|其它|自助|柜台"},
    "order_status": {"active": "active|正常|有效|已确认|已审核|已完成|已送达|确认|完成",
                     "cancelled": "cancelled|canceled|取消|已取消|作废|已作废|撤销|已撤销|删除"},
    "outcome": {"signed": "signed|签收|已签收|正常签收|送达|已送达|完成|成功",
                "refused": "refused|拒收|已拒收|拒签|客户拒收",
                "pending": "pending|未送达|待送|未送|在途|待配送"},
    "method": {"e": "e|电子结算|电子|银行代扣|代扣|银联|划扣|自动扣款",
               "transfer": "transfer|银行转账|转账|汇款|对公转账",
               "cash": "cash|现金|现金结算|现金支付",
               "other": "other|其他|其它|微信|支付宝|扫码"},
    "result": {"success": "success|成功|扣款成功|已扣款|结算成功|支付成功|1|是",
               "failed": "failed|失败|扣款失败|结算失败|支付失败|0|否"},
    "state": {"success": "success|成功|已结算|已付款|结算成功|完成",
              "failed": "failed|失败|未结算|结算失败|欠款",
              "pending": "pending|待结算|处理中|未扣款|待扣款"},
}
# fmt: on
VALUE_LABELS = {
    "channel": "订货方式",
    "order_status": "订单状态",
    "outcome": "签收状态",
    "method": "结算方式",
    "result": "扣款结果",
    "state": "结算状态",
}


def shown_name(names: str) -> str:
    """The Chinese name a user reads for a code, from its "|"-separated list (the code itself comes first)."""
    return next(
        (n for n in names.split("|") if any("\u4e00" <= ch <= "\u9fff" for ch in n)), names.split("|")[0]
    )


class ValueBook:
    """Resolves coded cells (channel, outcome …) by our code, the built-in names, then the ValueAlias table."""

    def __init__(self):
        from ..models import ValueAlias

        self.maps: dict[str, dict[str, str]] = {}
        for field, codes in BUILTIN_VALUES.items():
            table = {}
            for code_value, names in codes.items():
                for name in names.split("|"):
                    table[key(name)] = code_value
            self.maps[field] = table
        for field, alias, code_value in ValueAlias.objects.values_list("field", "alias", "code"):
            if field in self.maps and code_value in BUILTIN_VALUES[field]:
                self.maps[field][key(alias)] = code_value

    def resolve(self, field: str, raw) -> str:
        found = self.maps[field].get(key(raw))
        if found is None:
            names = "、".join(shown_name(n) for n in BUILTIN_VALUES[field].values())
            raise Bad(
                f"{VALUE_LABELS[field]}“{text(raw)}”无法识别。可用的写法：{names}；"
                "其他写法请管理员在“取值映射表”中添加后重新导入。"
            )
        return found
