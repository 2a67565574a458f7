"""Scarce-product allocation (R26): stored runs, their per-product tables and per-shop quantities.

A run keeps everything needed to explain and repeat it: the sheet file itself (bytes + SHA-256), the
parameters (ordering week, points settings), and per product the weighted shop counts the solver saw,
so ``allocationrun_rerun`` can compute it again and show that the answer is the same.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionKind(models.TextChoices):
    """The archive fields a DELIVERY_AREA name can stand for (the sheet's extension dimensions)."""

    DISTRICT = "district", _("District (branch)")
    MARKET_TYPE = "market_type", _("Market type")
    URBAN_RURAL_CODE = "urban_rural_code", _("Urban-rural code")
    RETAIL_FORMAT = "retail_format", _("Retail format")
    MARKET_DEPARTMENT = "market_department", _("Market department (station)")
    TRADING_AREA = "trading_area", _("Trading area")
    CREDIT_RATING = "credit_rating", _("Credit rating")
    MUTUAL_AID_GROUP = "mutual_aid_group", _("Mutual-aid group")


class RegionAlias(models.Model):
    """A name used in the weekly sheet (丹江, 城网, 烟草专业店) → a value of the customer archive.

    For districts and market departments the value is the branch's / station's name, for coded fields
    our code (C, X, Y …), for mutual-aid groups the group's name. One sheet name may map to several
    values (e.g. 城区 → two branches); see ``serviceloop.growth.regions`` for the whole rule."""

    kind = models.CharField(pgettext_lazy("region alias", "kind"), max_length=20, choices=RegionKind.choices)
    sheet_name = models.CharField(_("name in the sheet"), max_length=100)
    archive_value = models.CharField(_("value in the archive"), max_length=100)

    class Meta:
        verbose_name = _("region alias")
        verbose_name_plural = _("region aliases")
        ordering = ["kind", "sheet_name", "archive_value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "sheet_name", "archive_value"], name="regionalias_unique")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.sheet_name} → {self.archive_value}"


class RunKind(models.TextChoices):
    SHEET = "sheet", _("Weekly sheet (by grade)")
    POINTS = "points", _("By points")


class RunStatus(models.TextChoices):
    DONE = "done", pgettext_lazy("allocation run", "Done")
    FAILED = "failed", _("Refused")


class AllocationRun(models.Model):
    # The company whose archive the run was computed against (deleted with it, e.g. by the demo reset).
    company = models.ForeignKey(
        "org.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
    )
    kind = models.CharField(pgettext_lazy("allocation run", "kind"), max_length=10, choices=RunKind.choices)
    title = models.CharField(_("title"), max_length=200)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    sheet = models.BinaryField(_("sheet file"), blank=True, default=b"")
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True, db_index=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    method = models.CharField(_("method"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.DONE)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    rerun_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reruns",
        verbose_name=_("re-run of"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    total_target = models.PositiveIntegerField(_("target quantity"), default=0)
    total_allocated = models.PositiveIntegerField(_("allocated"), default=0)
    total_abs_error = models.PositiveIntegerField(_("total |error|"), default=0)

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class ProductAllocation(models.Model):
    run = models.ForeignKey(
        AllocationRun, on_delete=models.CASCADE, related_name="products", verbose_name=_("run")
    )
    position = models.PositiveIntegerField(_("position"))
    code = models.CharField(_("product code"), max_length=40)
    name = models.CharField(_("product name"), max_length=100)
    method = models.CharField(_("method"), max_length=40)
    extension = models.CharField(_("extension"), max_length=60, blank=True)
    area = models.CharField(_("area"), max_length=500, blank=True)
    lowest_grade = models.PositiveSmallIntegerField(_("lowest grade"), null=True, blank=True)
    highest_grade = models.PositiveSmallIntegerField(_("highest grade"), null=True, blank=True)
    week = models.CharField(_("ordering week"), max_length=20, blank=True)
    target = models.PositiveIntegerField(_("target quantity"))
    allocated = models.PositiveIntegerField(_("allocated"), default=0)
    error = models.IntegerField(_("error"), default=0)
    handled = models.BooleanField(_("handled"), default=True)
    # {"regions": [name…] or [], "tables": {region or "": {"D30": q, …}}, "counts": {region or "": [30 ints]}}
    table = models.JSONField(_("table"), default=dict, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        verbose_name = _("product allocation")
        verbose_name_plural = _("product allocations")
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="productallocation_position")]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def abs_error(self) -> int:
        return abs(self.error)


class ShopAllocation(models.Model):
    """One shop's quantity of one product in one run (rows with a positive quantity only)."""

    run = models.ForeignKey(
        AllocationRun, on_delete=models.CASCADE, related_name="shops", verbose_name=_("run")
    )
    product = models.ForeignKey(
        ProductAllocation, on_delete=models.CASCADE, related_name="shops", verbose_name=_("product")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="allocations", verbose_name=_("customer")
    )
    quantity = models.PositiveIntegerField(_("quantity (cartons)"))
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    points = models.BigIntegerField(_("points"), null=True, blank=True)

    class Meta:
        verbose_name = _("shop allocation")
        verbose_name_plural = _("shop allocations")
        ordering = ["run", "product__position", "customer__licence_no"]
        # A real week writes ~400,000 rows: two indexes only, no unique constraint (the engine yields one
        # row per product and shop).
        indexes = [models.Index(fields=["customer", "run"]), models.Index(fields=["product", "customer"])]

    def __str__(self):
        return f"{self.customer_id} × {self.product_id}: {self.quantity}"

    @property
    def why(self) -> str:
        """The shop's grade or points, the rule and the numbers, in Chinese."""
        product = self.product
        if self.points is not None:
            t = product.table
            text = f"本周期积分 {self.points}（全部 {t.get('shops')} 户共 {t.get('points_total')} 分），按{product.method}分得 {self.quantity} 条"
            if t.get("cap") is not None and self.quantity == t["cap"]:
                text += f"（已达每户上限 {t['cap']} 条）"
            if t.get("source") == "computed":
                text += (
                    f"（积分按 {t.get('cycle')} 销量计算）"  # the shop's page names the breakdown (one query)
                )
            return text
        per = self.quantity // max(self.weight, 1)
        text = f"{self.region}，" if self.region else ""
        text += f"D{self.grade} 档每户 {per} 条（{product.method}，档位 D{product.lowest_grade}–D{product.highest_grade}）"
        if self.weight == 2:
            text += f"；隔周访销客户本周为订货周，上浮 100%，共 {self.quantity} 条"
        return text

    @property
    def points_how(self) -> str:
        """How the shop's points were made, when the run used points computed from sales (trade.ShopPoints):
        cartons per price class × the class weights of the formula version used; "" for uploaded points."""
        t = self.product.table
        if t.get("source") != "computed" or not t.get("cycle"):
            return ""
        from serviceloop.trade.models import ShopPoints
        from serviceloop.trade.points import cycle_of

        row = (
            ShopPoints.objects.filter(customer_id=self.customer_id, cycle=cycle_of(t["cycle"]))
            .select_related("formula")
            .first()
        )
        return row.how if row else ""

    @property
    def band_quota_text(self) -> str:
        """A 按价位段自选投放 row: the shop's quota over its price band — its quantities of the run's price-band
        products of the same price class (catalogue), within which it chooses (one query)."""
        band = self.product.table.get("band")
        if not band:
            return "同一价位段的各种卷烟，您可在它们的数量合计之内自选规格"
        rows = ShopAllocation.objects.filter(
            run_id=self.run_id, customer_id=self.customer_id, product__method=PRICE_BAND_LABEL,
            product__table__band=band,
        ).values_list("quantity", flat=True)  # fmt: skip
        total, kinds = sum(rows), len(rows)
        return f"{band}类烟价位段共 {kinds} 种卷烟、合计最多 {total} 条，您可在合计之内自选规格"

    @property
    def why_for_shop(self) -> str:
        """The same, as the shop owner reads it on the QR page: what decided their quantity, in plain words —
        no method names (韦伯斯特法…) and no grade range of the whole run."""
        product = self.product
        if self.points is not None:
            t = product.table
            text = (
                f"按积分分配：您本期积分 {self.points} 分（全市 {t.get('shops')} 户共 {t.get('points_total')} 分），"
                f"积分越高分得越多，您分得 {self.quantity} 条"
            )
            if t.get("cap") is not None and self.quantity == t["cap"]:
                text += "，已是每户最多能分的数量"
            how = self.points_how
            return text + (f"。您的积分这样算来：{how}。" if how else "。")
        per = self.quantity // max(self.weight, 1)
        text = f"按档位分配：您是 D{self.grade} 档，本周同档客户每户 {per} 条"
        if product.method == PRICE_BAND_LABEL:
            text = (
                f"按价位段自选：您是 D{self.grade} 档，本品本周同档客户每户最多 {per} 条；"
                + self.band_quota_text
            )
        if self.region:
            text = f"{self.region}客户" + text
        if self.weight == 2:
            text += f"；您隔周订货，本周是您的订货周，按两周的量给您，共 {self.quantity} 条"
        return text + "。"


PRICE_BAND_LABEL = "按价位段自选投放"  # the sheet's DELIVERY_METHOD, kept on ProductAllocation.method


class PointsScheme(models.Model):
    """The points formula (积分制): points = round(volume_weight × Σ cartons × price-class weight)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    volume_weight = models.DecimalField(_("volume weight"), max_digits=8, decimal_places=3, default=1)
    class_weights = models.JSONField(
        _("price-class weights"),
        default=dict,
        help_text=_('For example {"1": 5, "2": 4, "3": 3, "4": 2, "5": 1}'),
    )
    method = models.CharField(_("default method"), max_length=20, default="webster")
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("points scheme")
        verbose_name_plural = _("points schemes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PointsEntry(models.Model):
    """A shop's points for one cycle (imported from a file or entered)."""

    cycle = models.CharField(_("cycle"), max_length=20, db_index=True)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="points_entries",
        verbose_name=_("customer"),
    )
    points = models.PositiveBigIntegerField(_("points"))
    volume = models.PositiveIntegerField(_("sales volume (cartons)"), null=True, blank=True)
    price_class = models.PositiveSmallIntegerField(_("price class"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["cycle", "customer__licence_no"]
        constraints = [models.UniqueConstraint(fields=["cycle", "customer"], name="pointsentry_unique")]

    def __str__(self):
        return f"{self.cycle} {self.customer_id}: {self.points}"


class RestockAdvice(models.Model):
    """The suggested order of one product for a shop's next order day (R28), replaced by each forecast run.

    ``forecast`` is the expected demand (cartons) for the shop's order cycle (one week, or two for odd/even
    week shops); ``suggested`` is it rounded to whole cartons and capped by ``cap`` — the shop's quantity in
    the latest allocation run that lists the product, for scarce products (None: not capped).
    """

    # No database-level foreign keys (as on OrderLine): rows are written only by ``restock_run``'s COPY, with
    # shop and product ids it has just read from those tables, and PostgreSQL's per-row RI checks at commit
    # were over half of the database's work in writing the advice (0.55 of 1.05 s of CPU per 27,000 rows; a
    # city run writes ~1 million). Django still cascades deletes of shops and products. No separate index on
    # the shop: the (customer, product) unique index leads with it.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="restock_advice",
        verbose_name=_("customer"),
        db_constraint=False,
        db_index=False,
    )
    product = models.ForeignKey(
        "trade.Product",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("product"),
        db_constraint=False,
    )
    order_day = models.DateField(_("next order day"))
    forecast = models.FloatField(_("forecast demand (cartons)"))
    recent = models.FloatField(_("recent average (cartons)"), default=0)
    suggested = models.PositiveIntegerField(_("suggested quantity (cartons)"))
    cap = models.PositiveIntegerField(_("allocation cap"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=20)
    festival = models.CharField(_("festival week"), max_length=20, blank=True)
    short = models.BooleanField(_("likely to run short"), default=False)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("restock advice")
        verbose_name_plural = _("restock advice")
        ordering = ["customer", "product__price_class", "product__code"]
        constraints = [models.UniqueConstraint(fields=["customer", "product"], name="restockadvice_unique")]
        indexes = [models.Index(fields=["short", "customer"], name="restockadvice_short")]

    def __str__(self):
        return f"{self.customer_id} × {self.product_id}: {self.suggested}"


class RestockShop(models.Model):
    """One shop's restock advice in sum (R28): its line count, cartons suggested, lines likely to run short and
    next order day — what the advice list orders and pages by. Written by ``restock_run`` in the transaction
    that replaces the shop's advice lines (``restock.restockshop_refresh``), so the two never disagree; the list
    reads these rows instead of grouping every advice line of the city on each view (issue 14: 879 ms at
    40,000 shops)."""

    # No database-level foreign key, as on RestockAdvice (migration 0007): written only by the job, with the
    # shop ids of the advice it has just written; Django still cascades a shop's deletion. The shop is the
    # primary key: one row a shop, and no second index on it.
    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="restock_shop",
        verbose_name=_("customer"),
        db_constraint=False,
    )
    lines = models.PositiveIntegerField(_("products"))
    suggested = models.PositiveIntegerField(_("suggested quantity (cartons)"))
    short = models.PositiveIntegerField(_("likely to run short"))
    order_day = models.DateField(_("next order day"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("restock advice of a shop")
        verbose_name_plural = _("restock advice of shops")
        # the list's order (likely short first, then the nearest order day, then the shop): a page reads this
        # index's head, not every row
        indexes = [models.Index(fields=["-short", "order_day", "customer"], name="restockshop_list")]

    def __str__(self):
        return f"{self.customer_id}: {self.lines} / {self.suggested}"


class SettlementRisk(models.Model):
    """A shop's e-settlement risk (R29) as ``care.settlement_risks`` scores it, kept so that the care list
    reads one row a shop instead of grouping the window's attempts of the whole city on each view (issue 14:
    263–337 ms of CPU and ~1 s of database grouping for the city admin at 40,000 shops).

    Only shops with a failed attempt or an unpaid settlement in the window have a row. Rows are replaced by
    ``care.settlementrisk_refresh`` for the shops of each settlement import or rollback, and for every shop by
    the daily job (the window slides), which a change of the window setting makes due at once."""

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="settlement_risk",
        verbose_name=_("customer"),
    )
    score = models.PositiveSmallIntegerField(_("risk score"))
    failed_attempts = models.PositiveIntegerField(_("failed attempts"))
    unpaid_settlements = models.PositiveIntegerField(_("unpaid settlements"))
    # {failure reason as the bank wrote it: attempts}, and the score's parts [[points, text], …]
    reasons = models.JSONField(_("failure reasons"), default=dict, blank=True)
    parts = models.JSONField(_("why"), default=list, blank=True)
    window_days = models.PositiveSmallIntegerField(_("window (days)"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("settlement risk")
        verbose_name_plural = _("settlement risks")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=100), name="settlementrisk_score_0_100")
        ]
        # the care list: score ≥ the line, highest first; when the oldest score was computed (its "as of")
        indexes = [
            models.Index(fields=["-score"], name="settlementrisk_score"),
            models.Index(fields=["computed_at"], name="settlementrisk_computed_at"),
        ]

    def __str__(self):
        return f"{self.customer_id}: {self.score}"

    @property
    def explanation(self) -> str:
        return "；".join(f"{text}（+{points}）" for points, text in self.parts)
