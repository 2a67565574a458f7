"""Writes of the trade app other than the import itself: rolling a batch back, who may import."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from serviceloop.core.audit import audit_record
from serviceloop.org.models import Role

from . import aggregates
from .aggregates import add_month_keys, add_order_keys
from .models import BatchKind, BatchStatus, Delivery, ImportBatch, Order, Product, Settlement

IMPORT_ROLES = {Role.CITY_ADMIN}


def may_import(user) -> bool:
    """Trade data is company-wide: the city administrator (or an integration account that is superuser)."""
    return bool(user.is_authenticated and (user.is_superuser or user.role in IMPORT_ROLES))


_TABLES = {
    BatchKind.ORDERS: (Order, "trade_order"),
    BatchKind.DELIVERIES: (Delivery, "trade_delivery"),
    BatchKind.SETTLEMENTS: (Settlement, "trade_settlement"),
}


@transaction.atomic
def batch_rollback(*, batch: ImportBatch, actor, now) -> ImportBatch:
    """Undoes a committed batch as a whole: its rows go, the rows it replaced become current again.

    Refused (ValidationError, nothing changed) when a later batch has since replaced rows of this one — roll
    that one back first — or when deliveries or settlements refer to orders that would disappear.
    """
    if actor is not None and not may_import(actor):
        raise PermissionDenied(_("Only the city administrator may roll back an import."))
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.COMMITTED:
        raise ValidationError(_("Only an imported batch can be rolled back."))
    if batch.kind == BatchKind.PRODUCTS:
        _rollback_products(batch)
    else:
        _rollback_revisions(batch)
    batch.status = BatchStatus.ROLLED_BACK
    batch.rolled_back_at = now
    batch.rolled_back_by = actor if actor is not None and actor.is_authenticated else None
    batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by"])
    audit_record(actor=actor, action="trade.rollback", obj=batch, summary=str(batch), now=now)
    return batch


def _later_batches(model, batch) -> list[int]:
    return sorted(
        set(
            model.objects.filter(batch=batch, replaced_by__isnull=False).values_list(
                "replaced_by_id", flat=True
            )
        )
    )


def execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _rollback_revisions(batch: ImportBatch) -> None:
    model, table = _TABLES[batch.kind]
    later = _later_batches(model, batch)
    if later:
        raise ValidationError(
            _("Later imports (batches %(ids)s) corrected rows of this batch: roll them back first.")
            % {"ids": ", ".join(f"#{pk}" for pk in later)}
        )
    if batch.kind == BatchKind.ORDERS:
        first = Order.objects.filter(batch=batch, revision=1).values("order_no")
        for other in (Delivery, Settlement):
            users = sorted(
                set(
                    other.objects.filter(order_no__in=first, is_current=True).values_list(
                        "batch_id", flat=True
                    )
                )
            )
            if users:
                raise ValidationError(
                    _(
                        "Deliveries or settlements (batches %(ids)s) refer to orders of this batch: "
                        "roll them back first."
                    )
                    % {"ids": ", ".join(f"#{pk}" for pk in users)}
                )
    aggregates.create_key_tables()
    if batch.kind == BatchKind.ORDERS:
        add_order_keys(batch.pk)
        execute(
            "DELETE FROM trade_orderline WHERE order_id IN (SELECT id FROM trade_order WHERE batch_id = %s)",
            [batch.pk],
        )
    else:
        add_month_keys(table, batch.pk)
    if batch.kind == BatchKind.SETTLEMENTS:
        execute(
            "DELETE FROM trade_settlementattempt WHERE settlement_id IN "
            "(SELECT id FROM trade_settlement WHERE batch_id = %s)",
            [batch.pk],
        )
    execute(f"DELETE FROM {table} WHERE batch_id = %s", [batch.pk])
    restored = f"SELECT id FROM {table} WHERE replaced_by_id = %s"
    if batch.kind == BatchKind.ORDERS:
        execute(
            f"UPDATE trade_orderline SET live = TRUE WHERE order_id IN ({restored} AND status = 'active')",
            [batch.pk],
        )
    execute(
        f"UPDATE {table} SET is_current = TRUE, replaced_by_id = NULL WHERE replaced_by_id = %s", [batch.pk]
    )
    aggregates.refresh_from_keys()


def _rollback_products(batch: ImportBatch) -> None:
    created = batch.details.get("created_codes", [])
    used = fetch(
        "SELECT DISTINCT p.code FROM trade_product p WHERE p.batch_id = %s AND p.code IN "
        f"({', '.join(['%s'] * len(created)) or 'NULL'}) AND EXISTS "
        "(SELECT 1 FROM trade_orderline l WHERE l.product_id = p.id)",
        [batch.pk, *created],
    )
    if used:
        raise ValidationError(
            _("Orders already use products of this batch (%(codes)s): roll those orders back first.")
            % {"codes": ", ".join(code for (code,) in used[:10])}
        )
    later = Product.objects.filter(code__in=list(batch.details.get("undo", {})) + created).exclude(
        batch=batch
    )
    if later.exists():
        raise ValidationError(
            _("Later imports changed products of this batch (batches %(ids)s): roll them back first.")
            % {"ids": ", ".join(f"#{pk}" for pk in sorted(set(later.values_list("batch_id", flat=True))))}
        )
    Product.objects.filter(code__in=created, batch=batch).delete()
    decimals = {"wholesale_price", "retail_price"}
    for code, undo in batch.details.get("undo", {}).items():
        product = Product.objects.get(code=code)
        for field, value in undo["values"].items():
            setattr(product, field, Decimal(value) if field in decimals and value is not None else value)
        product.batch_id = undo["batch"]
        product.updated_at = dt.datetime.fromisoformat(undo["updated_at"])
        product.save()
