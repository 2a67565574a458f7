"""The book's content and files: a shop with a full year and a new shop with nothing; DOCX and PDF."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from serviceloop.core.models import AuditEvent
from serviceloop.guidance.models import MAX_REMARKS, GuidanceBook
from serviceloop.guidance.render import docx_bytes, pdf_bytes
from serviceloop.guidance.services import guidancebook_generate, guidancebook_remarks_save

from .conftest import NOW

pytestmark = pytest.mark.django_db
SECTIONS = ["一、经营概况", "二、销售数据", "三、市场分析", "四、订货指导", "五、经营建议"]


def docx_text(body: bytes) -> tuple[list[str], str]:
    from docx import Document

    doc = Document(io.BytesIO(body))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    return headings, text


def pdf_objects(body: bytes) -> bytes:
    """The PDF with its compressed streams (object streams hold the font dictionaries) inflated."""
    import re
    import zlib

    parts = [body]
    for m in re.finditer(rb"stream\r?\n", body):
        try:
            parts.append(zlib.decompressobj().decompress(body[m.end() : m.end() + 2_000_000]))
        except zlib.error:
            continue
    return b"".join(parts)


def test_it_gathers_a_full_year_into_the_snapshot(year):
    world, shop, _new, tag = year
    book = guidancebook_generate(customer=shop, actor=world.account_manager, now=NOW)
    s = book.snapshot
    assert s["sales"]["has_sales"] and s["sales"]["weeks_with_sales"] == 52
    assert len(s["sales"]["volume"]) == 52 and sum(s["sales"]["classes"]) == s["sales"]["total_volume"]
    assert [b for b, _q in s["sales"]["brands"]][:1] and s["peer"]["n"] >= 1
    assert s["restock"]["count"] == 1 and s["restock"]["lines"][0]["short"]
    assert s["tags"][0]["name"] == tag.name and s["tags"][0]["steps"] == tag.strategy.steps
    assert s["shop"]["licence"] != shop.licence_no and "*" in s["shop"]["licence"]  # masked: the book travels
    assert AuditEvent.objects.filter(action="guidancebook.generate", object_id=str(book.pk)).exists()


def test_it_makes_a_book_for_a_new_shop_with_no_sales(year):
    world, _shop, new, _tag = year
    book = guidancebook_generate(customer=new, actor=world.account_manager, now=NOW)
    assert not book.snapshot["sales"]["has_sales"] and book.snapshot["restock"]["count"] == 0
    headings, text = docx_text(docx_bytes(book))
    assert [h for h in headings if h in SECTIONS] == SECTIONS
    assert "近52周没有销售记录" in text
    assert pdf_bytes(book).startswith(b"%PDF")


def test_docx_opens_and_has_the_sections_charts_and_remarks(year):
    world, shop, _new, tag = year
    book = guidancebook_generate(customer=shop, actor=world.account_manager, now=NOW)
    guidancebook_remarks_save(book=book, remarks="下周带陈列样品来", actor=world.account_manager, now=NOW)
    body = docx_bytes(book)
    headings, text = docx_text(body)
    assert [h for h in headings if h in SECTIONS] == SECTIONS
    assert tag.name in " ".join(headings) and "下周带陈列样品来" in text and "中华(硬)" in text
    from docx import Document

    assert len(Document(io.BytesIO(body)).inline_shapes) == 4  # trend, classes, brands, peers


def test_pdf_embeds_its_fonts(year):
    world, shop, _new, _tag = year
    book = guidancebook_generate(customer=shop, actor=world.account_manager, now=NOW)
    body = pdf_bytes(book)
    assert body.startswith(b"%PDF")
    text = pdf_objects(body)
    assert b"/FontFile2" in text or b"/FontFile3" in text  # the font program is inside the file
    assert b"WenQuanYi" in text or b"Noto" in text


def test_generating_again_in_the_month_refreshes_and_keeps_the_remarks(year):
    world, shop, _new, _tag = year
    book = guidancebook_generate(customer=shop, actor=world.account_manager, now=NOW)
    guidancebook_remarks_save(book=book, remarks="备注", actor=world.account_manager, now=NOW)
    again = guidancebook_generate(customer=shop, actor=world.station_head, now=NOW)
    assert again.pk == book.pk and again.remarks == "备注" and again.generated_by == world.station_head
    assert GuidanceBook.objects.filter(customer=shop).count() == 1


def test_remarks_refuse_oversize_text_and_readers(year):
    world, shop, _new, _tag = year
    book = guidancebook_generate(customer=shop, actor=world.account_manager, now=NOW)
    with pytest.raises(ValidationError):
        guidancebook_remarks_save(
            book=book, remarks="长" * (MAX_REMARKS + 1), actor=world.account_manager, now=NOW
        )
    with pytest.raises(PermissionDenied):
        guidancebook_remarks_save(book=book, remarks="x", actor=world.agent, now=NOW)
    with pytest.raises(PermissionDenied):
        guidancebook_generate(customer=shop, actor=world.supervisor, now=NOW)
    book.refresh_from_db()
    assert book.remarks == ""
