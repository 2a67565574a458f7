"""Writes of guidance books: generate (or refresh) a shop's book, save the account manager's remarks, and the
batch of a route's or a station's books in the background, written to a zip file one book at a time."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.core.background import Progress, WorkFailed, background, pending_dir
from serviceloop.org.models import Role

from .content import book_snapshot, period_of
from .models import MAX_REMARKS, GuidanceBook

# Who writes books and remarks: the shop's account manager and the line above them (by scope). Agents,
# supervisors and inspectors read the books of the shops they may see.
WRITER_ROLES = frozenset(
    {Role.CITY_ADMIN, Role.BRANCH_MANAGER, Role.STATION_HEAD, Role.MARKET_MANAGER, Role.ACCOUNT_MANAGER}
)
FORMATS = ("pdf", "docx")


def may_write_books(user) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and (user.is_superuser or user.role in WRITER_ROLES)
    )


@transaction.atomic
def guidancebook_generate(*, customer, actor, now, audit: bool = True) -> GuidanceBook:
    """The shop's book for the month of ``now``, from today's data; a second run in the month refreshes the
    figures and keeps the remarks. The caller has checked that ``actor`` may see the shop."""
    if actor is not None and not may_write_books(actor):
        raise PermissionDenied
    snapshot = book_snapshot(customer, now=now)
    book, created = GuidanceBook.objects.update_or_create(
        customer=customer,
        period=period_of(now),
        defaults={"snapshot": snapshot, "generated_at": now, "generated_by": actor},
    )
    if audit:
        audit_record(
            actor=actor, action="guidancebook.generate" if created else "guidancebook.refresh", obj=book, now=now,
            summary=_("Guidance book of %(shop)s for %(period)s") % {"shop": customer.name, "period": f"{book.period:%Y-%m}"},
        )  # fmt: skip
    return book


@transaction.atomic
def guidancebook_remarks_save(*, book: GuidanceBook, remarks: str, actor, now) -> GuidanceBook:
    """The account manager's own remarks, printed in the book's last section."""
    if not may_write_books(actor):
        raise PermissionDenied
    remarks = (remarks or "").strip()
    if len(remarks) > MAX_REMARKS:
        raise ValidationError(
            {
                "remarks": _("At most %(n)s characters (you wrote %(m)s).")
                % {"n": MAX_REMARKS, "m": len(remarks)}
            }
        )
    old = book.remarks
    book.remarks, book.remarks_at, book.remarks_by = remarks, now, actor
    book.save(update_fields=["remarks", "remarks_at", "remarks_by"])
    audit_record(
        actor=actor, action="guidancebook.remarks", obj=book, now=now,
        summary=_("Remarks of the guidance book of %(shop)s") % {"shop": book.customer.name},
        data={"old_length": len(old), "new_length": len(remarks)},
    )  # fmt: skip
    return book


@background
def guidancebook_batch(
    progress: Progress, *, user_id: int, route_id=None, station_id=None, fmt: str = "pdf"
) -> None:
    """Generates the books of a route's or a station's shops (those the user may see) and zips their files.

    Memory stays bounded: each book is rendered, written into the zip on disk and dropped before the next."""
    import uuid
    import zipfile
    from pathlib import Path

    from django.contrib.auth import get_user_model

    from serviceloop.customers.models import Customer

    from .render import docx_bytes, filename, pdf_bytes

    user = get_user_model().objects.get(pk=user_id)
    if not may_write_books(user) or fmt not in FORMATS:
        raise WorkFailed(_("You may not generate guidance books."))
    shops = Customer.objects.visible_to(user).exclude(status="closed")
    if route_id:
        shops = shops.filter(route_id=route_id)
    elif station_id:
        shops = shops.filter(station_id=station_id)
    else:
        raise WorkFailed(_("Choose a route or a station."))
    ids = list(shops.order_by("route_id", "licence_no").values_list("pk", flat=True))
    if not ids:
        raise WorkFailed(_("No shops of yours on this route or in this station."))
    progress.set_total(len(ids))
    render = pdf_bytes if fmt == "pdf" else docx_bytes
    now = timezone.now()
    names: set[str] = set()
    path = Path(pending_dir()) / f"guidance-{progress.work.pk}-{uuid.uuid4().hex}.zip"
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for pk in ids:
                related = Customer.objects.select_related("route__account_manager", "station", "branch")
                customer = related.get(pk=pk)
                book = guidancebook_generate(customer=customer, actor=user, now=now, audit=False)
                name = filename(book, fmt)
                if name in names:  # two shops with the same name
                    name = name.replace(f".{fmt}", f"-{customer.pk}.{fmt}")
                names.add(name)
                zf.writestr(name, render(book))  # on disk at once: one book in memory at a time
                progress.advance()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    audit_record(
        actor=user, action="guidancebook.batch", now=now,
        summary=_("%(n)s guidance books generated") % {"n": len(ids)},
        data={"route": route_id, "station": station_id, "format": fmt, "shops": len(ids)},
    )  # fmt: skip
    progress.attach(path, filename=f"经营指导书-{now:%Y%m%d-%H%M}.zip")
    progress.note(_("%(n)s guidance books in the zip file.") % {"n": len(ids)})
