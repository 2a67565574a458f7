"""Points per shop from a file: xlsx or csv (UTF-8 / GB18030), columns 许可证号 and 积分 (English: licence_no,
points) — or, instead of 积分, 销量 (cartons) and 价类 (price class 1–5), turned into points by the points
scheme's formula (``analytics.allocation.sales_points``). All or nothing: every bad row is reported with its
line number and a Chinese reason."""

import csv
import io

LICENCE_HEADERS = {
    "许可证号",
    "许可证",
    "专卖许可证号",
    "烟草专卖零售许可证号",
    "licence_no",
    "license_no",
    "cust_code",
}
POINTS_HEADERS = {"积分", "本期积分", "points"}
VOLUME_HEADERS = {"销量", "销量(条)", "销量（条）", "volume"}
CLASS_HEADERS = {"价类", "price_class"}
MAX_POINTS = 10**9
MAX_ROWS = 200_000  # a province's shops; a longer file is refused instead of filling a worker's memory


def _rows(content: bytes, filename: str):
    if content[:2] == b"PK":
        from serviceloop.core.uploads import UploadRejected, xlsx_rows

        try:
            yield from xlsx_rows(content, max_rows=MAX_ROWS)
        except UploadRejected as exc:  # a clear message, never an exception class name
            raise ValueError(str(exc)) from None
        return
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("无法识别文件编码（请用 UTF-8 或 GB18030 的 CSV，或 xlsx）")
    yield from csv.reader(io.StringIO(text))


def read_points(
    content: bytes, filename: str, lookup, formula=None
) -> tuple[list[tuple[int, int]], list[str]]:
    """([(customer id, points)], [errors]) — ``lookup(licences)`` maps the archive's licence numbers to ids;
    ``formula(volumes, classes) -> points`` is used for files with 销量 and 价类 instead of 积分."""
    try:
        rows = iter(list(_rows(content, filename)))
    except ValueError as e:
        return [], [str(e)]
    header = next(rows, None)
    if not header:
        return [], ["文件是空的"]
    names = [str(h or "").strip().lower() for h in header]
    lic = next((i for i, n in enumerate(names) if n in LICENCE_HEADERS), None)
    pts = next((i for i, n in enumerate(names) if n in POINTS_HEADERS), None)
    vol = next((i for i, n in enumerate(names) if n in VOLUME_HEADERS), None)
    cls = next((i for i, n in enumerate(names) if n in CLASS_HEADERS), None)
    by_sales = pts is None and vol is not None and cls is not None and formula is not None
    if lic is None or (pts is None and not by_sales):
        return [], ["第 1 行：缺少列“许可证号”和“积分”（或“销量”与“价类”）"]
    body = list(rows)
    licences = lookup({_licence(r[lic]) for r in body if r and lic < len(r) and r[lic] is not None})
    out, errors, seen = [], [], {}
    for line, row in enumerate(body, start=2):
        row = list(row or [])
        if not any(str(v or "").strip() for v in row):
            continue
        raw_lic = row[lic] if lic < len(row) else None
        raw_pts = row[pts] if pts is not None and pts < len(row) else None
        licence = _licence(raw_lic)
        if licence not in licences:
            errors.append(f"第 {line} 行：许可证号「{licence}」不在客户档案中")
            continue
        if licence in seen:
            errors.append(f"第 {line} 行：许可证号「{licence}」与第 {seen[licence]} 行重复")
            continue
        seen[licence] = line
        if by_sales:
            v = _whole(row[vol] if vol < len(row) else None)
            c = _whole(row[cls] if cls < len(row) else None)
            if v is None or v < 0 or v > MAX_POINTS:
                errors.append(f"第 {line} 行：销量应为非负整数（「{row[vol] if vol < len(row) else ''}」）")
            elif c is None or not 1 <= c <= 5:
                errors.append(f"第 {line} 行：价类应为 1 到 5（「{row[cls] if cls < len(row) else ''}」）")
            else:
                out.append((licences[licence], (v, c)))
            continue
        try:
            value = float(str(raw_pts).strip().replace(",", ""))
        except ValueError:
            errors.append(f"第 {line} 行：积分「{raw_pts}」不是数字")
            continue
        if not value.is_integer() or value < 0 or value > MAX_POINTS:
            errors.append(f"第 {line} 行：积分应为 0 到 {MAX_POINTS} 之间的整数（「{raw_pts}」）")
            continue
        out.append((licences[licence], int(value)))
    if not out and not errors:
        errors.append("文件中没有任何积分")
    if by_sales and out and not errors:
        points = formula([v for _, (v, _c) in out], [c for _, (_v, c) in out])
        out = [(cid, int(p)) for (cid, _), p in zip(out, points, strict=True)]
    return out, errors


def _whole(value) -> int | None:
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _licence(value) -> str:
    return str(int(value) if isinstance(value, float) and value.is_integer() else (value or "")).strip()
