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
    elif batch.kind == BatchKind.SETTLEMENTS:
        from serviceloop.growth.care import settlementrisk_refresh

        from .importing.settlements import settlement_shops

        shops = settlement_shops(batch)
        _rollback_revisions(batch)
        settlementrisk_refresh(customer_ids=shops, now=now)  # the care list's kept risk scores (issue 14)
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


# ------------------------------------------------------------------------ import mappings and settings


def _require_admin(actor) -> None:
    if not may_import(actor):
        raise PermissionDenied


@transaction.atomic
def columnalias_add(*, kind: str, field: str, header: str, actor, now):
    """Teach the import one more column name of a source system's export."""
    from .importing.columns import BUILTIN, LABELS, header_key
    from .models import ColumnAlias

    _require_admin(actor)
    header = header.strip()
    if kind not in BUILTIN or field not in BUILTIN[kind]:
        raise ValidationError({"field": _("Choose one of the fields this kind of file holds.")})
    if not header:
        raise ValidationError({"header": _("Write the column name as it stands in the file.")})
    taken = ColumnAlias.objects.filter(kind=kind).values_list("header", flat=True)
    if any(header_key(h) == header_key(header) for h in taken):
        raise ValidationError({"header": _("This column name is already mapped for this kind of file.")})
    alias = ColumnAlias.objects.create(kind=kind, field=field, header=header)
    audit_record(actor=actor, action="trade.columnalias.add", obj=alias, now=now,
                 summary=f"{alias.get_kind_display()}：{header} → {LABELS.get(field, field)}")  # fmt: skip
    return alias


@transaction.atomic
def valuealias_add(*, field: str, alias: str, code: str, actor, now):
    """Teach the import one more way a source system writes a coded value (a channel, a delivery outcome …)."""
    from .importing.values import BUILTIN_VALUES, key
    from .models import ValueAlias

    _require_admin(actor)
    alias = alias.strip()
    if field not in BUILTIN_VALUES or code not in BUILTIN_VALUES[field]:
        raise ValidationError({"code": _("Choose one of the values this field can take.")})
    if not alias:
        raise ValidationError({"alias": _("Write the value as it stands in the file.")})
    taken = ValueAlias.objects.filter(field=field).values_list("alias", flat=True)
    if any(key(a) == key(alias) for a in taken):
        raise ValidationError({"alias": _("This value is already mapped for this field.")})
    row = ValueAlias.objects.create(field=field, alias=alias, code=code)
    audit_record(actor=actor, action="trade.valuealias.add", obj=row, now=now, summary=str(row))
    return row


@transaction.atomic
def alias_delete(*, alias, actor, now) -> None:
    """Remove a column or value alias (batches already imported keep what they imported)."""
    _require_admin(actor)
    audit_record(actor=actor, action=f"trade.{alias._meta.model_name}.delete", obj=alias, now=now,
                 summary=str(alias))  # fmt: skip
    alias.delete()


SETTINGS_FIELDS = (
    "grade_window_weeks", "grade_volume_weight", "grade_shares", "star_window_weeks", "star_weights",
    "star_cutoffs", "segment_window_weeks", "cluster_count", "irregular_weeks", "failed_settlement_days",
    "failed_settlement_min",
)  # fmt: skip


@transaction.atomic
def derivationsettings_update(*, values: dict, seen_updated_at, actor, now):
    """Change how grades, stars, segments and key lists are computed; the old and new values go to the audit
    trail. ``seen_updated_at`` is the version the editor loaded: a change made meanwhile is not overwritten."""
    from .models import DerivationSettings

    _require_admin(actor)
    DerivationSettings.current()
    current = DerivationSettings.objects.select_for_update().get(pk=1)
    if current.updated_at != seen_updated_at:
        raise ValidationError(_("Someone changed these settings while you were editing. Reload the page and "
                                "make your change again."))  # fmt: skip
    old = {f: getattr(current, f) for f in SETTINGS_FIELDS}
    changed = {f: [old[f], values[f]] for f in SETTINGS_FIELDS if f in values and values[f] != old[f]}
    for f, (_old, new) in changed.items():
        setattr(current, f, new)
    current.updated_at = now
    current.full_clean()
    current.save()
    if "failed_settlement_days" in changed:
        from serviceloop.core.jobs import job_run_soon

        # The care list's kept risk scores were for the old window: the city is scored again by the job at the
        # runner's next tick (1.3 s at 40,000 shops, more in a province: not on this form's request).
        job_run_soon("settlement_risks")
    audit_record(actor=actor, action="trade.settings.update", obj=current, now=now,
                 summary=_("Computation settings changed: %(fields)s") % {"fields": ", ".join(changed) or "—"},
                 data={"changed": changed})  # fmt: skip
    return current
