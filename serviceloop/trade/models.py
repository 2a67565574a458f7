"""Operational data from the company's other systems (R25): products, orders, deliveries, settlements.

How the tables are kept (see ``importing`` for the engine and ``docs/scaling.md`` for growth):

* **Every row comes from an import batch** (``ImportBatch``: who, when, source, counts, checksum), and a batch
  can be rolled back as a whole.
* **Orders, deliveries and settlements are revision rows.** Each is keyed by the source's order number. A
  re-import with the same content writes nothing; a changed order (a correction or a cancellation in the
  source) does not overwrite the earlier row: it marks it ``is_current=False, replaced_by=<batch>`` and
  adds revision n+1. Rolling a batch back deletes its rows and makes the rows it replaced current again.
  The count of corrected orders (revision > 1) is what "order capture accuracy" (issue 11) is made of.
* **Order lines** are the big table (a city: 20–50 million a year). On PostgreSQL they are partitioned by
  month of ``order_date`` (migration 0002; ``partitions.ensure_month_partitions`` adds months); on SQLite a
  plain table. Lines carry copies of what grouping needs (shop, order date, week, price class, ``live``) so
  that analysis never joins orders.
* **Per shop-week and shop-month aggregates** (``ShopWeek``, ``ShopMonth``) are recomputed for the shops and
  periods a batch touched, inside the batch's transaction, so pages and KPIs never scan raw lines. Each
  aggregate row carries the route, station and branch the shop ordered under, so counting per route and
  month (issue 11) is a GROUP BY over a few hundred thousand rows at most.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from serviceloop.org.scope import scope_q


def _customer_scope(user, prefix="customer"):
    return scope_q(user, branch=f"{prefix}__branch", station=f"{prefix}__station", route=f"{prefix}__route")


class PriceClass(models.IntegerChoices):
    ONE = 1, _("Price class 1")
    TWO = 2, _("Price class 2")
    THREE = 3, _("Price class 3")
    FOUR = 4, _("Price class 4")
    FIVE = 5, _("Price class 5")


class BatchKind(models.TextChoices):
    PRODUCTS = "products", _("Products")
    ORDERS = "orders", _("Orders")
    DELIVERIES = "deliveries", _("Deliveries")
    SETTLEMENTS = "settlements", _("Settlements")


class BatchSource(models.TextChoices):
    UPLOAD = "upload", _("Upload page")
    COMMAND = "command", _("Command line")
    FOLDER = "folder", _("Drop folder")
    API = "api", _("API")
    DEMO = "demo", _("Demo data")


class BatchStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, not imported")
    REFUSED = "refused", _("Refused (bad rows)")
    COMMITTED = "committed", _("Imported")
    ROLLED_BACK = "rolled_back", _("Rolled back")


class ImportBatch(models.Model):
    """One run of the import: a file (or an API call) of one kind, all or nothing."""

    kind = models.CharField(_("kind"), max_length=12, choices=BatchKind.choices)
    source = models.CharField(_("source"), max_length=10, choices=BatchSource.choices)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64, blank=True, db_index=True)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    file_format = models.CharField(_("format"), max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices)
    started_at = models.DateTimeField(_("started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    replaced = models.PositiveIntegerField(_("corrected"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    error_count = models.PositiveIntegerField(_("bad rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)  # the first TRADE_ERROR_LIMIT
    details = models.JSONField(_("details"), default=dict, blank=True)  # columns, unknown codes, undo data
    rolled_back_at = models.DateTimeField(_("rolled back at"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rolled back by"),
    )

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} {self.filename}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("trade:batch", args=[self.pk])


class IdempotencyKey(models.Model):
    """An API caller's ``Idempotency-Key``: the same key from the same caller returns the first answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=BatchKind.choices)
    request_sha256 = models.CharField(max_length=64)
    batch = models.ForeignKey(ImportBatch, on_delete=models.SET_NULL, null=True, related_name="+")
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="trade_idempotency_unique")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"


class Product(models.Model):
    """A cigarette SKU (卷烟规格), keyed by the industry's product code."""

    code = models.CharField(_("product code"), max_length=20, unique=True)
    name = models.CharField(_("product name"), max_length=100)
    brand = models.CharField(_("brand"), max_length=50, blank=True, db_index=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    price_class = models.PositiveSmallIntegerField(
        _("price class"), choices=PriceClass.choices, null=True, blank=True
    )
    wholesale_price = models.DecimalField(
        _("wholesale price per carton"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    retail_price = models.DecimalField(
        _("suggested retail price per carton"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    packs_per_carton = models.PositiveSmallIntegerField(_("packs per carton"), default=10)
    is_new = models.BooleanField(_("new product"), default=False)
    is_scarce = models.BooleanField(_("scarce (allocated)"), default=False)
    is_price_band = models.BooleanField(_("price-band product"), default=False)
    active = models.BooleanField(_("in the catalogue"), default=True)
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last import"),
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_class__isnull=True)
                | models.Q(price_class__gte=1, price_class__lte=5),
                name="product_price_class_1_5",
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class Channel(models.TextChoices):
    ONLINE = "online", _("Online ordering")
    PHONE = "phone", pgettext_lazy("order channel", "Phone")
    VISIT = "visit", pgettext_lazy("order channel", "Visit")
    OTHER = "other", _("Other")


class OrderStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("order", "Valid")
    CANCELLED = "cancelled", pgettext_lazy("order", "Cancelled")


class RevisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_customer_scope(user))

    def current(self):
        return self.filter(is_current=True)


class Revision(models.Model):
    """Fields shared by orders, deliveries and settlements: a source key, revisions, the batch."""

    order_no = models.CharField(_("order number"), max_length=40)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    is_current = models.BooleanField(_("current"), default=True)
    content_hash = models.BigIntegerField(_("content checksum"))
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="+", verbose_name=_("import batch")
    )
    replaced_by = models.ForeignKey(
        ImportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replaced by batch"),
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    # Where the shop was when this happened (copied at import), for counting per route and month.
    route = models.ForeignKey(
        "org.Route", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("route")
    )
    station = models.ForeignKey(
        "org.Station", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("station")
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("branch")
    )
    month = models.DateField(_("month"))  # first day of the month the row counts in

    objects = RevisionQuerySet.as_manager()

    class Meta:
        abstract = True


class Order(Revision):
    order_date = models.DateField(_("order date"))
    week = models.DateField(_("order week"))  # the Monday of the ISO week
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.ACTIVE
    )
    lines = models.PositiveIntegerField(_("lines"), default=0)
    qty_asked = models.PositiveIntegerField(_("cartons asked"), default=0)
    qty_supplied = models.PositiveIntegerField(_("cartons supplied"), default=0)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-order_date", "order_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_no"], condition=models.Q(is_current=True), name="order_current_unique"
            ),
            models.UniqueConstraint(fields=["order_no", "revision"], name="order_revision_unique"),
        ]
        indexes = [
            models.Index(fields=["customer", "order_date"], name="order_customer_date"),
            models.Index(fields=["route", "month"], name="order_route_month"),
            models.Index(fields=["week"], name="order_week"),
            models.Index(fields=["batch"], name="order_batch"),
            models.Index(fields=["replaced_by"], name="order_replaced_by"),
            # The order list, newest first, for the whole city and for one week: read in index order and stopped
            # at the page (issue 14: at 1.9 M orders the city's first page sorted them all, 1.9 s). Scoped users
            # reach their orders through the shop (customer__station…), so a station index would not serve them.
            models.Index(
                fields=["-order_date", "order_no"], condition=models.Q(is_current=True), name="order_recent"
            ),
            models.Index(
                fields=["week", "-order_date", "order_no"],
                condition=models.Q(is_current=True),
                name="order_week_recent",
            ),
        ]

    def __str__(self):
        return self.order_no


class OrderLine(models.Model):
    """One product of one order revision. Partitioned by month of ``order_date`` on PostgreSQL.

    No other table points at order lines (a partitioned table's primary key must include the partition key).
    ``live`` = the order revision is current and not cancelled: the lines that count as sales.
    """

    # No database-level foreign keys: lines are written only by the import's set-based SQL, whose ids come
    # from joins in the same transaction, and PostgreSQL's three FK triggers per row would cost more than
    # the rest of a 500,000-line import. Django still cascades deletes of orders and shops.
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="order_lines", db_index=False, db_constraint=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    order_date = models.DateField(_("order date"))
    week = models.DateField(_("order week"))
    price_class = models.PositiveSmallIntegerField(_("price class"), null=True)
    qty_asked = models.PositiveIntegerField(_("cartons asked"))
    qty_supplied = models.PositiveIntegerField(_("cartons supplied"))
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    live = models.BooleanField(_("counts as sales"), default=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        indexes = [
            models.Index(fields=["order"], name="orderline_order"),
            models.Index(fields=["customer", "order_date"], name="orderline_customer_date"),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.product_id}"


class DeliveryOutcome(models.TextChoices):
    SIGNED = "signed", _("Signed for")
    REFUSED = "refused", _("Refused")
    PENDING = "pending", _("Not yet delivered")


class Delivery(Revision):
    """Logistics bringing one order to the shop."""

    planned_date = models.DateField(_("planned date"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=DeliveryOutcome.choices)
    cartons = models.PositiveIntegerField(_("cartons delivered"), default=0)
    lines_short = models.PositiveIntegerField(_("lines short"), default=0)
    lines_over = models.PositiveIntegerField(_("lines over"), default=0)
    lines_wrong = models.PositiveIntegerField(_("lines wrong"), default=0)
    damaged_cartons = models.PositiveIntegerField(_("damaged cartons"), default=0)
    note = models.CharField(_("exception note"), max_length=200, blank=True)
    on_time = models.BooleanField(_("on time"), default=False)  # delivered on or before the planned date
    accurate = models.BooleanField(_("accurate"), default=False)  # signed, nothing short, over or wrong

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-planned_date", "order_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_no"], condition=models.Q(is_current=True), name="delivery_current_unique"
            ),
            models.UniqueConstraint(fields=["order_no", "revision"], name="delivery_revision_unique"),
        ]
        indexes = [
            models.Index(fields=["customer", "planned_date"], name="delivery_customer_date"),
            models.Index(fields=["route", "month"], name="delivery_route_month"),
            models.Index(fields=["batch"], name="delivery_batch"),
            models.Index(fields=["replaced_by"], name="delivery_replaced_by"),
        ]

    def __str__(self):
        return self.order_no


class SettlementMethod(models.TextChoices):
    E_SETTLEMENT = "e", _("E-settlement")
    TRANSFER = "transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class SettlementState(models.TextChoices):
    SUCCESS = "success", _("Paid")
    FAILED = "failed", _("Failed")
    PENDING = "pending", _("Pending")


class Settlement(Revision):
    """Paying for one order; each debit try is an attempt."""

    method = models.CharField(_("method"), max_length=10, choices=SettlementMethod.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    state = models.CharField(_("final state"), max_length=10, choices=SettlementState.choices)
    first_attempt_at = models.DateTimeField(_("first attempt"))
    settled_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    last_failure_reason = models.CharField(_("last failure reason"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-first_attempt_at", "order_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_no"], condition=models.Q(is_current=True), name="settlement_current_unique"
            ),
            models.UniqueConstraint(fields=["order_no", "revision"], name="settlement_revision_unique"),
        ]
        indexes = [
            models.Index(fields=["customer", "first_attempt_at"], name="settlement_customer_at"),
            models.Index(fields=["route", "month"], name="settlement_route_month"),
            models.Index(fields=["batch"], name="settlement_batch"),
            models.Index(fields=["replaced_by"], name="settlement_replaced_by"),
            # The success-rate page: a window of current e-settlements grouped by unit, read from the index alone
            # (a month at 30,000 shops: seq scan of the year's 1.4 M settlements 93 ms → 18 ms; INCLUDE is
            # PostgreSQL's, SQLite keeps the partial index on the date).
            models.Index(
                fields=["first_attempt_at"],
                include=["id", "station", "route", "state", "attempts", "failed_attempts"],
                condition=models.Q(is_current=True, method=SettlementMethod.E_SETTLEMENT),
                name="settlement_e_window",
            ),
        ]

    def __str__(self):
        return self.order_no


class AttemptResult(models.TextChoices):
    SUCCESS = "success", _("Succeeded")
    FAILED = "failed", pgettext_lazy("attempt", "Failed")


class SettlementAttempt(models.Model):
    settlement = models.ForeignKey(
        Settlement, on_delete=models.CASCADE, related_name="attempt_rows", verbose_name=_("settlement")
    )
    attempted_at = models.DateTimeField(_("attempted at"))
    result = models.CharField(_("result"), max_length=10, choices=AttemptResult.choices)
    failure_reason = models.CharField(_("failure reason"), max_length=100, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("settlement attempt")
        verbose_name_plural = _("settlement attempts")
        ordering = ["settlement", "attempted_at"]
        indexes = [
            models.Index(fields=["settlement", "attempted_at"], name="attempt_settlement_at"),
            # Failed attempts by reason (the success-rate page's Pareto): a few percent of all attempts
            models.Index(
                fields=["settlement"],
                include=["failure_reason"],
                condition=models.Q(result=AttemptResult.FAILED),
                name="attempt_failed",
            ),
        ]

    def __str__(self):
        return f"{self.settlement_id} {self.attempted_at:%Y-%m-%d %H:%M} {self.result}"


class AggregateQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_customer_scope(user))


class ShopWeek(models.Model):
    """A shop's sales in one ISO week (valid, current orders), recomputed at import."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    week = models.DateField(_("week"))
    route = models.ForeignKey("org.Route", on_delete=models.SET_NULL, null=True, related_name="+")
    station = models.ForeignKey("org.Station", on_delete=models.SET_NULL, null=True, related_name="+")
    branch = models.ForeignKey("org.Branch", on_delete=models.SET_NULL, null=True, related_name="+")
    orders = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    qty_asked = models.PositiveIntegerField(default=0)
    qty_supplied = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    qty_class1 = models.PositiveIntegerField(default=0)
    qty_class2 = models.PositiveIntegerField(default=0)
    qty_class3 = models.PositiveIntegerField(default=0)
    qty_class4 = models.PositiveIntegerField(default=0)
    qty_class5 = models.PositiveIntegerField(default=0)

    objects = AggregateQuerySet.as_manager()

    class Meta:
        verbose_name = _("shop week")
        verbose_name_plural = _("shop weeks")
        constraints = [models.UniqueConstraint(fields=["customer", "week"], name="shopweek_unique")]
        indexes = [
            models.Index(fields=["week", "station"], name="shopweek_week_station"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.week}"


class ShopMonth(models.Model):
    """A shop's month: what the trade KPIs (issue 11) count, recomputed at import from current rows."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    route = models.ForeignKey("org.Route", on_delete=models.SET_NULL, null=True, related_name="+")
    station = models.ForeignKey("org.Station", on_delete=models.SET_NULL, null=True, related_name="+")
    branch = models.ForeignKey("org.Branch", on_delete=models.SET_NULL, null=True, related_name="+")
    # orders (valid, current revisions)
    orders = models.PositiveIntegerField(default=0)
    corrected_orders = models.PositiveIntegerField(default=0)  # revision > 1: not captured as asked
    cancelled_orders = models.PositiveIntegerField(default=0)
    online_orders = models.PositiveIntegerField(default=0)
    phone_orders = models.PositiveIntegerField(default=0)
    visit_orders = models.PositiveIntegerField(default=0)
    other_orders = models.PositiveIntegerField(default=0)
    qty_asked = models.PositiveIntegerField(default=0)
    qty_supplied = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # deliveries
    deliveries = models.PositiveIntegerField(default=0)
    deliveries_on_time = models.PositiveIntegerField(default=0)
    deliveries_accurate = models.PositiveIntegerField(default=0)
    deliveries_refused = models.PositiveIntegerField(default=0)
    cartons_delivered = models.PositiveIntegerField(default=0)
    cartons_damaged = models.PositiveIntegerField(default=0)
    # settlements
    settlements = models.PositiveIntegerField(default=0)
    e_settlements = models.PositiveIntegerField(default=0)
    e_settlements_paid = models.PositiveIntegerField(default=0)
    settlements_failed = models.PositiveIntegerField(default=0)  # final state failed
    attempts = models.PositiveIntegerField(default=0)
    failed_attempts = models.PositiveIntegerField(default=0)

    objects = AggregateQuerySet.as_manager()

    class Meta:
        verbose_name = _("shop month")
        verbose_name_plural = _("shop months")
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="shopmonth_unique")]
        indexes = [
            models.Index(fields=["month", "route"], name="shopmonth_month_route"),
            models.Index(fields=["month", "station"], name="shopmonth_month_station"),
            models.Index(fields=["month", "branch"], name="shopmonth_month_branch"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.month:%Y-%m}"


class _RouteDay(models.Model):
    """One (local) day on one route, with its station and branch: a settlement's own (where the shop was when it
    paid)."""

    day = models.DateField(_("day"))
    route = models.ForeignKey("org.Route", on_delete=models.SET_NULL, null=True, related_name="+")
    station = models.ForeignKey("org.Station", on_delete=models.SET_NULL, null=True, related_name="+")
    branch = models.ForeignKey("org.Branch", on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        abstract = True


class SettlementTally(_RouteDay):
    """Current e-settlements whose first debit fell on one day on one route, counted: what the success-rate page
    sums for its window (issue 14). At 140,000 shops the page's default 30 days grouped 450,000 settlements
    (166 ms of PostgreSQL) and a year took 0.8 s at 30,000; a route settles on a few days a week, so 30 days are
    ~8,400 of these rows and a year ~100,000. Counted by day, not by month, so that any window is read from them
    alone. Regrouped from the settlements for every month an import, a rollback or a demo reset touches
    (``aggregates.settlementtally_refresh``), so it is exact after each."""

    settlements = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    failed_attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("e-settlement day count")
        verbose_name_plural = _("e-settlement day counts")
        indexes = [models.Index(fields=["day", "station"], name="settlementtally_day_station")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.route_id}: {self.paid}/{self.settlements}"


class SettlementFailureTally(_RouteDay):
    """Failed debits of current e-settlements of one day on one route, by reason: the failure Pareto of a window
    (kept with ``SettlementTally``)."""

    reason = models.CharField(_("failure reason"), max_length=100, blank=True)
    failed_attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("failed debit day count")
        verbose_name_plural = _("failed debit day counts")
        indexes = [models.Index(fields=["day", "station"], name="failuretally_day_station")]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.route_id} {self.reason}: {self.failed_attempts}"


class ColumnAlias(models.Model):
    """A column name used by a source system's export (e.g. 订单编号, ORDER_ID) for one of our fields.

    Built-in names are in ``importing.columns``; rows here add to them and win on conflict, so a company
    can teach the import its systems' headers without a code change.
    """

    kind = models.CharField(_("kind"), max_length=12, choices=BatchKind.choices)
    field = models.CharField(_("field"), max_length=30)
    header = models.CharField(_("column name in the file"), max_length=60)

    class Meta:
        verbose_name = _("column alias")
        verbose_name_plural = _("column aliases")
        ordering = ["kind", "field", "header"]
        constraints = [models.UniqueConstraint(fields=["kind", "header"], name="trade_columnalias_unique")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.header} → {self.field}"


class ValueAlias(models.Model):
    """A value written by a source system (网上订货, 已签收, 余额不足 …) for one of our codes."""

    class Field(models.TextChoices):
        CHANNEL = "channel", _("channel")
        ORDER_STATUS = "order_status", _("order status")
        OUTCOME = "outcome", _("delivery outcome")
        METHOD = "method", _("settlement method")
        RESULT = "result", _("attempt result")
        STATE = "state", _("settlement state")

    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    alias = models.CharField(_("value in the file"), max_length=50)
    code = models.CharField(_("code"), max_length=20)

    class Meta:
        verbose_name = _("value alias")
        verbose_name_plural = _("value aliases")
        ordering = ["field", "alias"]
        constraints = [models.UniqueConstraint(fields=["field", "alias"], name="trade_valuealias_unique")]

    def __str__(self):
        return f"{self.get_field_display()}: {self.alias} → {self.code}"


# ----------------------------------------------------------------------------------------- derived data


def default_grade_shares() -> list[float]:
    """Share of shops per grade 1…30: the real city's distribution (customers_15020.xlsx), in percent."""
    counts = (130, 149, 299, 296, 447, 444, 447, 596, 599, 631, 624, 618, 763, 749, 746,
              746, 748, 747, 598, 601, 597, 597, 597, 450, 450, 451, 300, 299, 150, 149)  # fmt: skip
    total = sum(counts)
    return [round(100 * c / total, 3) for c in counts]


def default_star_weights() -> dict:
    return {
        "volume": 30,
        "unit_value": 20,
        "credit": 15,
        "integrity_group": 5,
        "e_settlement": 15,
        "regularity": 15,
    }


def default_star_cutoffs() -> list[float]:
    return [25, 45, 65, 82]


class DerivationSettings(models.Model):
    """How grades and stars are computed; one row (pk=1), edited by the city administrator."""

    grade_window_weeks = models.PositiveSmallIntegerField(_("grade window (weeks)"), default=52)
    grade_volume_weight = models.PositiveSmallIntegerField(
        _("weight of volume against amount (%)"), default=60, help_text=_("The rest is the weight of amount.")
    )
    grade_shares = models.JSONField(_("share of shops per grade (%)"), default=default_grade_shares)
    star_window_weeks = models.PositiveSmallIntegerField(_("star window (weeks)"), default=26)
    star_weights = models.JSONField(_("star rule weights"), default=default_star_weights)
    star_cutoffs = models.JSONField(_("points for 2, 3, 4 and 5 stars"), default=default_star_cutoffs)
    segment_window_weeks = models.PositiveSmallIntegerField(_("segment window (weeks)"), default=13)
    cluster_count = models.PositiveSmallIntegerField(_("number of clusters"), default=6)
    irregular_weeks = models.PositiveSmallIntegerField(
        _("weeks without an order before a shop counts as irregular"), default=3
    )
    failed_settlement_days = models.PositiveSmallIntegerField(
        _("failed settlements counted over (days)"), default=60
    )
    failed_settlement_min = models.PositiveSmallIntegerField(
        _("failed settlements for capital pressure"), default=2
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("derivation settings")
        verbose_name_plural = _("derivation settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade_window_weeks__gte=4, star_window_weeks__gte=4, segment_window_weeks__gte=4,
                                   grade_volume_weight__lte=100, cluster_count__gte=2, cluster_count__lte=12,
                                   irregular_weeks__gte=1, failed_settlement_min__gte=1),
                name="derivationsettings_ranges",
            )
        ]  # fmt: skip

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "DerivationSettings":
        return cls.objects.get_or_create(pk=1)[0]


class RunKind(models.TextChoices):
    GRADES = "grades", _("Grades")
    STARS = "stars", _("Star levels")


class RunState(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting review")
    APPLIED = "applied", _("Applied")
    DISCARDED = "discarded", _("Discarded")


class DerivationRun(models.Model):
    """A computation of grades or stars for every shop with sales, reviewed before it is applied."""

    kind = models.CharField(_("kind"), max_length=10, choices=RunKind.choices)
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.PROPOSED)
    parameters = models.JSONField(_("parameters"), default=dict)
    summary = models.JSONField(_("summary"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("computed by"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("grade or star computation")
        verbose_name_plural = _("grade and star computations")
        ordering = ["-computed_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.computed_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("trade:run", args=[self.pk])


class Proposal(models.Model):
    """One shop's computed value in a run, with the figures it came from."""

    run = models.ForeignKey(DerivationRun, on_delete=models.CASCADE, related_name="proposals")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    old_value = models.PositiveSmallIntegerField(_("current"), null=True)
    new_value = models.PositiveSmallIntegerField(_("computed"))
    score = models.FloatField(_("score"))
    volume = models.PositiveIntegerField(_("cartons"), default=0)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [models.UniqueConstraint(fields=["run", "customer"], name="proposal_unique")]
        indexes = [models.Index(fields=["run", "new_value"], name="proposal_run_value")]

    def __str__(self):
        return f"{self.customer_id}: {self.old_value} → {self.new_value}"

    @property
    def change(self) -> int:
        return self.new_value - (self.old_value or 0)


class SegmentKind(models.TextChoices):
    VOLUME_PRICE = "volume_price", _("Volume × unit price")
    CLUSTER = "cluster", _("Purchase pattern (clusters)")


class Segment(models.Model):
    kind = models.CharField(_("kind"), max_length=15, choices=SegmentKind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=300)
    size = models.PositiveIntegerField(_("shops"), default=0)
    centre = models.JSONField(_("centre"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["kind", "number"]
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="segment_unique")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.name}"


class SegmentMember(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="segment_memberships"
    )

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [models.UniqueConstraint(fields=["segment", "customer"], name="segmentmember_unique")]
        indexes = [models.Index(fields=["customer"], name="segmentmember_customer")]

    def __str__(self):
        return f"{self.segment_id}:{self.customer_id}"


# ------------------------------------------------------------------------------------------------ points
def default_class_weights() -> dict:
    return {"1": "5", "2": "4", "3": "3", "4": "2", "5": "1"}


class PointsFormula(models.Model):
    """One version of the points formula (积分公式, R26 / reference 004: points from sales volume and price
    class): points = round-half-up(volume weight × Σ_c cartons of class c × weight of class c). Each save by
    the city administrator adds a version; the latest is in force and the earlier ones are its history."""

    volume_weight = models.DecimalField(_("volume weight"), max_digits=8, decimal_places=3, default=1)
    class_weights = models.JSONField(_("price-class weights"), default=default_class_weights)
    note = models.CharField(_("reason for the change"), max_length=200, blank=True)
    saved_at = models.DateTimeField(_("saved at"))
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("points formula")
        verbose_name_plural = _("points formulas")
        ordering = ["-saved_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(volume_weight__gte=0), name="pointsformula_weight")
        ]

    def __str__(self):
        return self.text

    @classmethod
    def current(cls) -> "PointsFormula":
        """The version in force; an unsaved default (class 1 five times class 5) until one is saved."""
        return cls.objects.order_by("-saved_at", "-id").first() or cls(saved_at=None)

    def weight(self, price_class: int):
        from decimal import Decimal

        return Decimal(str(self.class_weights.get(str(price_class), 0)))

    @property
    def text(self) -> str:
        from decimal import Decimal

        parts = " + ".join(f"{c}类×{self.weight(c).normalize()}" for c in range(1, 6))
        return f"积分 = {Decimal(str(self.volume_weight)).normalize()} ×（{parts}）"


class ShopPoints(models.Model):
    """A shop's points for one order cycle (the ISO week starting ``cycle``), computed from its per-week sales
    aggregates (ShopWeek) by the formula version ``formula``; the cartons per price class are kept, so the
    shop can see exactly how its points were made (``parts``)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="points", verbose_name=_("customer")
    )
    cycle = models.DateField(_("cycle (week)"))
    weeks = models.PositiveSmallIntegerField(_("weeks counted"), default=1)
    volume = models.PositiveIntegerField(_("cartons supplied"), default=0)
    qty_class1 = models.PositiveIntegerField(default=0)
    qty_class2 = models.PositiveIntegerField(default=0)
    qty_class3 = models.PositiveIntegerField(default=0)
    qty_class4 = models.PositiveIntegerField(default=0)
    qty_class5 = models.PositiveIntegerField(default=0)
    points = models.PositiveBigIntegerField(_("points"))
    formula = models.ForeignKey(
        PointsFormula, on_delete=models.PROTECT, related_name="+", verbose_name=_("points formula")
    )
    computed_at = models.DateTimeField(_("computed at"))

    objects = AggregateQuerySet.as_manager()

    class Meta:
        verbose_name = _("shop points")
        verbose_name_plural = _("shop points")
        ordering = ["-cycle", "-points", "customer_id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "customer"], name="shoppoints_unique")]
        indexes = [models.Index(fields=["customer", "cycle"], name="shoppoints_customer")]

    def __str__(self):
        return f"{self.customer_id} {self.cycle}: {self.points}"

    @property
    def cycle_label(self) -> str:
        year, week, _day = self.cycle.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def parts(self) -> list[tuple[int, int, object, object]]:
        """(price class, cartons, class weight, points from it before rounding) for the classes sold."""
        f = self.formula
        out = []
        for c in range(1, 6):
            cartons = getattr(self, f"qty_class{c}")
            if cartons:
                out.append(
                    (
                        c,
                        cartons,
                        f.weight(c).normalize(),
                        (cartons * f.weight(c) * f.volume_weight).normalize(),
                    )
                )
        return out

    @property
    def how(self) -> str:
        """How the points were made, in Chinese (the shop's own words on its explanation)."""
        if not self.volume:
            return f"{self.cycle_label} 没有订货，积分 0"
        parts = "，".join(f"{c}类烟 {n} 条×{w}" for c, n, w, _p in self.parts)
        weeks = f"（隔周订货，计 {self.weeks} 周）" if self.weeks > 1 else ""
        scale = (
            ""
            if self.formula.volume_weight == 1
            else f"，再乘销量权重 {self.formula.volume_weight.normalize()}"
        )
        return f"{self.cycle_label}{weeks}：{parts}{scale}，合计 {self.points} 分"
