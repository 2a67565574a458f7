"""A stored book as a file: PDF (WeasyPrint, CJK font embedded) or DOCX (python-docx), both from the snapshot.

The PDF is the staff page's own template printed by WeasyPrint; it embeds the subset of the CJK font it uses
(fonts-wqy-microhei, ``make fonts``), so it prints the same everywhere. The DOCX is built paragraph by
paragraph for people who edit the book in Word/WPS; Word documents do not carry fonts, so it names a CJK font
for East-Asian text that Windows and WPS have (微软雅黑) and the reader's font fills in otherwise.
"""

import base64

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .charts import book_charts

CLASS_NAMES = ["一类", "二类", "三类", "四类", "五类"]
DOCX_FONT = "Microsoft YaHei"


def period_label(book) -> str:
    return _("%(y)s year %(m)s month") % {"y": book.period.year, "m": book.period.month}


def filename(book, ext: str) -> str:
    name = (book.snapshot.get("shop", {}).get("name") or str(book.customer_id)).replace("/", "_")
    return f"经营指导书-{name}-{book.period:%Y%m}.{ext}"


def book_context(book, *, charts: dict | None = None) -> dict:
    return {
        "s": book.snapshot,
        "remarks": book.remarks,
        "charts": charts or {},
        "class_names": CLASS_NAMES,
        "period_label": period_label(book),
        "title": filename(book, "pdf")[:-4],
    }


def pdf_bytes(book, *, charts: dict[str, bytes] | None = None) -> bytes:
    from weasyprint import HTML  # heavy import, only where PDFs are made

    with translation.override(settings.LANGUAGE_CODE):
        png = book_charts(book.snapshot) if charts is None else charts
        uris = {k: "data:image/png;base64," + base64.b64encode(v).decode() for k, v in png.items()}
        html = render_to_string("guidance/book_pdf.html", book_context(book, charts=uris))
    return HTML(string=html).write_pdf()


def docx_bytes(book, *, charts: dict[str, bytes] | None = None) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        png = book_charts(book.snapshot) if charts is None else charts
        return _docx(book, png)


def _docx(book, png: dict[str, bytes]) -> bytes:
    import io

    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    s = book.snapshot
    doc = Document()
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(1.8)
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        style = doc.styles[style_name]
        style.font.name = DOCX_FONT
        rpr = style.element.get_or_add_rPr()
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), DOCX_FONT)
    doc.styles["Normal"].font.size = Pt(10.5)
    red = RGBColor(0xC0, 0x39, 0x2B)

    title = doc.add_heading(_("Business guidance book"), level=0)
    for run in title.runs:
        run.font.color.rgb = red
    doc.add_paragraph(f"{s['shop']['name']} · {period_label(book)}")
    doc.add_paragraph(
        _("Figures as of %(d)s") % {"d": s["as_of"]} + f" · {s['shop']['branch']} {s['shop']['station']}"
    )

    def heading(text, level=1):
        h = doc.add_heading(text, level=level)
        if level == 1:
            for run in h.runs:
                run.font.color.rgb = red

    def table(headers, rows):
        t = doc.add_table(rows=1, cols=len(headers))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, headers, strict=True):
            cell.text = str(text)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = "—" if value is None or value == "" else str(value)
        doc.add_paragraph()

    def picture(name, width_cm):
        if name in png:
            doc.add_picture(io.BytesIO(png[name]), width=Cm(width_cm))

    def muted(text):
        p = doc.add_paragraph(text)
        for run in p.runs:
            run.font.color.rgb = RGBColor(0x77, 0x77, 0x77)

    shop = s["shop"]
    heading(_("1. Business profile"))
    yes, no = _("yes"), _("no")
    table(
        [_("item"), _("value"), _("item"), _("value")],
        [
            [_("shop name"), shop["name"], _("licence number"), shop["licence"]],
            [_("owner"), shop["owner"], _("route"), f"{shop['station']} · {shop['route']}"],
            [_("retail format"), shop["retail_format"], _("market type"), shop["market_type"]],
            [_("grade"), shop["grade"], _("stars"), f"{shop['stars']} ★" if shop["stars"] else _("not yet rated")],
            [_("credit rating"), shop["credit_rating"], _("order cycle"), f"{shop['order_cycle']} {shop['order_weekday']}"],
            [_("e-settlement"), yes if shop["e_settlement"] else no, _("account manager"), shop["manager"]],
        ],
    )  # fmt: skip
    heading(_("Grade and star history"), 2)
    if s["history"]:
        table(
            [_("date"), _("item"), _("from"), _("to")],
            [[h["at"], h["field"], h["old"], h["new"]] for h in s["history"]],
        )
    else:
        muted(_("No changes of grade or stars recorded yet."))

    sales = s["sales"]
    heading(_("2. Sales data"))
    if sales["has_sales"]:
        doc.add_paragraph(
            _("In the last 52 weeks: %(v)s cartons, %(a)s yuan, ordered in %(n)s weeks (%(avg)s cartons a week on "
              "average, %(p)s yuan a carton).")
            % {"v": sales["total_volume"], "a": sales["total_amount"], "n": sales["weeks_with_sales"],
               "avg": sales["avg_volume"], "p": sales["avg_price"]}
        )  # fmt: skip
        picture("trend", 16)
        picture("classes", 8)
        picture("brands", 8)
        table(
            [_("price class"), *CLASS_NAMES],
            [[_("cartons"), *sales["classes"]], [_("share"), *[f"{v}%" for v in sales["class_shares"]]]],
        )
        table([_("brand"), _("cartons (last 13 weeks)")], sales["brands"])
    else:
        muted(_("No sales recorded in the last 52 weeks (a new shop, or orders not yet imported)."))

    peer = s["peer"]
    heading(_("3. Market analysis"))
    if peer.get("n"):
        doc.add_paragraph(
            _("Compared with the %(n)s shops of the same retail format (%(f)s) and market type (%(m)s) in the "
              "station, over the last %(w)s weeks:")
            % {"n": peer["n"], "f": shop["retail_format"], "m": shop["market_type"], "w": peer["weeks"]}
        )  # fmt: skip
        picture("peer", 8)
        table(
            ["", _("this shop"), _("peer average")],
            [[_("cartons"), peer["my_volume"], peer["volume"]], [_("amount (yuan)"), peer["my_amount"], peer["amount"]]],
        )  # fmt: skip
        if peer.get("ratio") is not None:
            doc.add_paragraph(_("This shop sells %(r)s%% of the peer average.") % {"r": peer["ratio"]})
    else:
        muted(_("No sales of similar shops in the station to compare with yet."))

    restock = s["restock"]
    heading(_("4. Ordering guidance"))
    if restock["count"]:
        doc.add_paragraph(
            _("Suggested order for the next order day (%(d)s): %(t)s cartons in all.")
            % {"d": restock["order_day"], "t": restock["total"]}
        )

        def note(a):
            parts = [_("likely to run short")] if a["short"] else []
            if a["cap"] is not None:
                parts.append(_("allocation cap %(c)s") % {"c": a["cap"]})
            if a["festival"]:
                parts.append(a["festival"])
            return " ".join(parts)

        table(
            [_("product"), _("price class"), _("forecast demand (cartons)"), _("suggested quantity (cartons)"), _("note")],
            [[a["name"], a["price_class"], a["forecast"], a["suggested"], note(a)] for a in restock["lines"]],
        )  # fmt: skip
    else:
        muted(_("No restock advice for this shop yet (the forecast needs some weeks of orders)."))

    heading(_("5. Business advice"))
    for line in s["advice"]:
        doc.add_paragraph(line, style="List Bullet")
    for t in s["tags"]:
        heading(f"{t['name']}（{t['category']} · " + _("to solve by %(d)s") % {"d": t["due_at"]} + "）", 2)
        for step in t["steps"]:
            doc.add_paragraph(step, style="List Number")
        if t["materials"]:
            muted(f"{_('materials')}: {t['materials']}")
    if not s["tags"] and not s["advice"]:
        muted(_("No open problems recorded for this shop."))
    heading(_("Account manager's remarks"), 2)
    doc.add_paragraph(book.remarks or "—")

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
