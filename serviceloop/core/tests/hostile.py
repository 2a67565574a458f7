"""Hostile files for upload tests: small to send, ruinous to parse naively. Built in memory, nothing stored."""

import io
import struct
import zipfile
import zlib


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A few hundred bytes claiming width × height pixels (900 million by default): Pillow refuses it on open."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)  # the first rows only; the rest never gets read
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _xlsx(sheet_xml, shared_xml=None, *, prolog: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            for piece in (
                [f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {NS}><sheetData>']
                + list(sheet_xml)
                + ["</sheetData></worksheet>"]
            ):
                part.write(piece.encode())
        shared = shared_xml or [f"<sst {NS}></sst>"]
        with z.open("xl/sharedStrings.xml", "w") as part:
            for piece in shared:
                part.write(piece.encode())
    return buf.getvalue()


def _cells(row: int, values) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{row}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values)
    )
    return f'<row r="{row}">{cells}</row>'


def xlsx_billion_laughs(header=("许可证号", "积分")) -> bytes:
    lol = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
        )
        + "]>"
    )
    return _xlsx(
        [_cells(1, header), '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row>'], prolog=lol
    )


def xlsx_xxe(header=("许可证号", "积分")) -> bytes:
    prolog = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return _xlsx(
        [_cells(1, header), '<row r="2"><c r="A2" t="inlineStr"><is><t>&xxe;</t></is></c></row>'],
        prolog=prolog,
    )


def xlsx_broken_after_header(header=("许可证号", "积分")) -> bytes:
    return _xlsx([_cells(1, header), '<row r="2"><c r="A2" t="inlineStr"><is><t>oops</is></c>'])


def xlsx_empty_rows(n: int = 1_000_000, header=("许可证号", "积分")) -> bytes:
    """A header and ``n`` empty rows: tens of KB compressed."""
    return _xlsx([_cells(1, header), *(f'<row r="{i}"/>' for i in range(2, n + 2))])


def xlsx_shared_strings_bomb(n: int = 400_000, size: int = 1000) -> bytes:
    """Shared strings unpacking to n × size characters (400 MB by default) from a few hundred KB."""
    text = "A" * size
    return _xlsx(
        [_cells(1, ("许可证号", "积分")), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'],
        [
            f'<sst {NS} count="{n}" uniqueCount="{n}">',
            *(f"<si><t>{text}</t></si>" for _ in range(n)),
            "</sst>",
        ],
    )


def xlsx_rows(rows) -> bytes:
    """A plain, valid xlsx with the given rows (first row = header)."""
    return _xlsx([_cells(i, row) for i, row in enumerate(rows, start=1)])


NOT_XLSX = b"PK\x03\x04 this is not a zip at all"
TEXT_AS_XLSX = "许可证号,积分\n420301100001,5\n".encode()
