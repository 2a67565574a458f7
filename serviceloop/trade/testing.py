"""Test helpers: a small catalogue and files of orders, deliveries and settlements written as sources do."""

import csv
import datetime as dt
import io
from decimal import Decimal

from django.utils import timezone

from .models import Product

# code, name, brand, price class, wholesale price per carton
CATALOGUE = [
    ("31020002", "中华(硬)", "中华", 1, Decimal("450.00")),
    ("42020005", "黄鹤楼(软红)", "黄鹤楼", 2, Decimal("85.00")),
    ("53010014", "云烟(软珍品)", "云烟", 3, Decimal("58.00")),
    ("41010064", "黄金叶(乐途)", "黄金叶", 4, Decimal("25.00")),
    ("02010001", "大前门(短支)", "大前门", 5, Decimal("12.00")),
]
ORDER_HEADER = [
    "订单编号",
    "许可证号",
    "订货日期",
    "订货方式",
    "卷烟编码",
    "卷烟名称",
    "订购量",
    "供货量",
    "单价",
    "金额",
]


def make_products() -> dict[str, Product]:
    now = timezone.now()
    products = {}
    for code, name, brand, klass, price in CATALOGUE:
        products[code] = Product.objects.create(
            code=code, name=name, brand=brand, price_class=klass, wholesale_price=price,
            retail_price=price * Decimal("1.1"), created_at=now, updated_at=now,
        )  # fmt: skip
    return products


def order_rows(shop, order_no: str, day: dt.date, items, channel="网上订货"):
    """Rows of one order: items are (code, asked, supplied)."""
    prices = {code: price for code, _n, _b, _k, price in CATALOGUE}
    names = {code: name for code, name, *_ in CATALOGUE}
    return [
        [order_no, shop.licence_no, day.isoformat(), channel, code, names[code], asked, supplied,
         str(prices[code]), str(prices[code] * supplied)]
        for code, asked, supplied in items
    ]  # fmt: skip


def csv_bytes(header, rows, *, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(header, rows) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
