import io

import openpyxl

HEADER = [
    "ID",
    "YEAR",
    "MONTH",
    "WEEK_SEQ",
    "CIG_CODE",
    "CIG_NAME",
    "DELIVERY_METHOD",
    "DELIVERY_ETYPE",
    "ADV",
    "DELIVERY_AREA",
    "HIGHEST_GRADE",
    "LOWEST_GRADE",
    "BZ",
]


def sheet_bytes(*rows) -> bytes:
    """rows: dicts overriding a default 按档位投放 row (2025 September week 3 = ISO week 38, even)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i, row in enumerate(rows, start=1):
        data = {
            "ID": i,
            "YEAR": 2025,
            "MONTH": 9,
            "WEEK_SEQ": 3,
            "CIG_CODE": f"4200{i:04d}",
            "CIG_NAME": f"测试烟{i}",
            "DELIVERY_METHOD": "按档位投放",
            "DELIVERY_ETYPE": None,
            "ADV": 100,
            "DELIVERY_AREA": "全市",
            "HIGHEST_GRADE": "D30",
            "LOWEST_GRADE": "D1",
            "BZ": None,
        }
        data.update(row)
        ws.append([data[h] for h in HEADER])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
