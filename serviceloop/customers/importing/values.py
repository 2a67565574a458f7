"""Cell parsers. Each takes a raw cell (str, int, float, datetime, None) and returns a value or raises Bad.

Cells arrive as Excel and people leave them: full-width digits (４２０３…), full-width spaces and NBSP,
numbers stored as floats (420301182058.0), numbers Excel already turned into scientific notation
(1.04203E+11, digits lost), Chinese numerals (九档), local names for codes (城网, 烟草专业店).
"""

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ..models import LICENCE_RE, OrderCycle


class Bad(ValueError):
    """A cell that cannot be imported; the message (Chinese) says what is wrong and how to fix it."""


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d*)?[eE][+-]?\d+")
_INTEGRAL_FLOAT = re.compile(r"(\d+)\.0*")
SCIENTIFIC_MESSAGE = (
    "单元格被 Excel 改成了科学计数法，后面的数字已经丢失，无法还原。"
    "请在原始数据中把这一列设置为“文本”格式后重新导出，不要在 Excel 中直接保存数字。"
)


def text(value) -> str:
    """The cell as text with stray spaces removed (ends trimmed, inner runs collapsed to one space)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).translate(_INVISIBLE).split())


def key(value) -> str:
    """A matching key: full-width → half-width (NFKC), no spaces at all, case-folded."""
    return "".join(unicodedata.normalize("NFKC", text(value)).split()).casefold()


def is_blank(value) -> bool:
    """``text(value) == ""`` without building the text: called for every cell of the file."""
    if isinstance(value, str):
        return not value.translate(_INVISIBLE).strip()
    return value is None  # a number, date or yes/no is never blank


def digits(value, *, what: str) -> str:
    """A number that must keep every digit (licence, phone): accepts ints, integral floats, full-width digits."""
    if isinstance(value, bool):
        raise Bad(f"{what}应为数字。")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        raise Bad(f"{what}不应带小数。")
    s = key(value).lstrip("'")  # a leading apostrophe is Excel's "store as text" marker
    if _SCIENTIFIC.fullmatch(s):
        raise Bad(SCIENTIFIC_MESSAGE)
    m = _INTEGRAL_FLOAT.fullmatch(s)
    return m.group(1) if m else s


def licence(value) -> str:
    s = digits(value, what="许可证号")
    if not (s.isascii() and s.isdigit()):
        raise Bad("许可证号只能由数字组成（12位）。")
    if len(s) != 12:
        problem = f"许可证号应为12位数字，这里是{len(s)}位。"
    elif s[6] not in "12":
        problem = "许可证号第7位（经营主体性质）应为1（个体）或2（企业）。格式：6位行政区划代码＋1位性质码＋5位顺序号。"
    elif LICENCE_RE.match(s):  # the model's own rule, so that the import never accepts what it would refuse
        return s
    else:
        problem = "许可证号格式不正确：应为6位行政区划代码＋1位性质码（1或2）＋5位顺序号。"
    if not isinstance(value, str) and len(s) > 6 and s.endswith("0000"):
        # A number cell ending in zeros is what is left after Excel showed it as 1.04203E+11 and saved it.
        problem += "数字末尾全是0，很可能" + SCIENTIFIC_MESSAGE
    raise Bad(problem)


def phone(value) -> str:
    s = digits(value, what="电话")
    s = s.replace("—", "-").replace("－", "-")
    if len(s) > 20:
        raise Bad("电话号码超过20个字符；一个单元格只填一个号码，第二个号码请填在“备用电话”列。")
    return s


_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def zh_int(s: str) -> int | None:
    """1..99 written in ASCII digits or Chinese numerals (九, 十四, 三十, 二十九); None if neither."""
    if s.isascii() and s.isdigit():
        return int(s)
    m = _INTEGRAL_FLOAT.fullmatch(s)
    if m:
        return int(m.group(1))
    if "十" in s:
        tens, _, ones = s.partition("十")
        if (
            (tens and tens not in _ZH_DIGITS)
            or (ones and ones not in _ZH_DIGITS)
            or len(tens) > 1
            or len(ones) > 1
        ):
            return None
        return (_ZH_DIGITS[tens] if tens else 1) * 10 + (_ZH_DIGITS[ones] if ones else 0)
    if len(s) == 1 and s in _ZH_DIGITS:
        return _ZH_DIGITS[s]
    return None


def _small_int(value, *, strip_prefix: tuple, strip_suffix: tuple) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    s = key(value).upper()
    for p in strip_prefix:
        if s.startswith(p):
            s = s[len(p) :]
            break
    for suffix in strip_suffix:
        if s.endswith(suffix):
            s = s[: -len(suffix)]
            break
    return zh_int(s)


def grade(value) -> int:
    """档位 1–30, written 九档 / 三十档 / 30档 / D30 / 30."""
    n = _small_int(value, strip_prefix=("第", "D"), strip_suffix=("档位", "档"))
    if n is None:
        raise Bad("档位无法识别：应写成1～30的数字，或“九档”“30档”“D30”。")
    if not 1 <= n <= 30:
        raise Bad(f"档位应在1～30之间，这里是{n}。")
    return n


def stars(value) -> int:
    """星级 0–5, written 3 / 三星 / 3星级 / ★★★."""
    if isinstance(value, str) and value.strip() and set(value.strip()) <= {"★", "☆"}:
        return value.count("★")
    n = _small_int(value, strip_prefix=(), strip_suffix=("星级", "星"))
    if n is None:
        raise Bad("星级无法识别：应写成0～5的数字（0 表示未评星），或“三星”。")
    if not 0 <= n <= 5:
        raise Bad(f"星级应在0～5之间，这里是{n}。")
    return n


_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_WEEKDAYS.update({str(n): n for n in range(1, 8)})
_ORDER_RE = re.compile(r"(每周|单周|双周)?(?:周|星期|礼拜)([一二三四五六日天1-7])")
_CYCLES = {
    None: OrderCycle.WEEKLY,
    "每周": OrderCycle.WEEKLY,
    "单周": OrderCycle.ODD_WEEKS,
    "双周": OrderCycle.EVEN_WEEKS,
}
_NO_VISITS = {"不访销", "无访销", "不访问", "不定期"}


def order_cycle(value) -> tuple[str, int | None]:
    """访销周期: 周四 = every Thursday, 单周周四 = odd weeks' Thursday, 双周周一, 不访销 = none."""
    s = key(value)
    if s in _NO_VISITS:
        return OrderCycle.NONE, None
    m = _ORDER_RE.fullmatch(s)
    if not m:
        raise Bad("访销周期无法识别：应写成“周一”～“周日”、“单周周四”、“双周周一”或“不访销”。")
    return _CYCLES[m.group(1)], _WEEKDAYS[m.group(2)]


_TRUE = {"1", "是", "y", "yes", "true", "t", "有", "√", "✓", "✔", "开通", "已开通"}
_FALSE = {"0", "否", "n", "no", "false", "f", "无", "×", "✗", "未开通"}


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    s = key(value)
    if s.endswith(".0"):
        s = s[:-2]
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise Bad("应填“是”或“否”（也可以是 1/0）。")


_DATE_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\d{1,2}:\d{2}(?::\d{2})?)?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        # A date cell that lost its date format shows Excel's serial number (days since 1899-12-30).
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    s = key(value)
    m = _DATE_RE.fullmatch(s)
    if not m and len(s) == 8 and s.isdigit():
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s)
    if m:
        try:
            return dt.date(*map(int, m.groups()))
        except ValueError:
            pass
    raise Bad("日期无法识别：请写成 2024-03-15 这样的格式。")


def coordinate(value, *, limit: int, what: str) -> Decimal:
    s = key(value) if not isinstance(value, int | float) else repr(value)
    if _SCIENTIFIC.fullmatch(s):
        raise Bad(SCIENTIFIC_MESSAGE)
    try:
        number = Decimal(s)
    except InvalidOperation as exc:
        raise Bad(f"{what}应为数字（十进制度数，如 32.6291）。") from exc
    if not number.is_finite() or not -limit <= number <= limit:
        raise Bad(f"{what}应在 -{limit}～{limit} 之间。")
    return number.quantize(Decimal("0.000001"))


def bounded_text(value, *, max_length: int, what: str) -> str:
    s = text(value)
    if len(s) > max_length:
        raise Bad(f"{what}最多{max_length}个字，这里有{len(s)}个。")
    return s
