"""The customer archive (R1, R3): one row per licensed retail shop, plus the history of its changes."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from serviceloop.org.scope import scope_q

LICENCE_RE = re.compile(r"^\d{6}[12]\d{5}$")


# A phone number as Chinese offices write it: digits, optionally a leading +, dashes or spaces between groups
# (0719-8123456, 138 1234 5678). Anything else (letters, markup) is refused on every write path (issue 13).
validate_phone = RegexValidator(
    r"^\+?[0-9][0-9\- ]{5,18}[0-9]$",
    _("Enter a phone number: 7 to 20 digits (dashes and spaces allowed)."),
    code="phone",
)


def validate_licence_no(value: str) -> None:
    """12 digits: 6-digit division code, nature digit 1 (individual) or 2 (enterprise), 5-digit serial."""
    if not LICENCE_RE.match(value or ""):
        raise ValidationError(
            _("Licence number must be 12 digits: 6-digit division code, 1 or 2, then a 5-digit serial."),
            code="licence_no",
        )


class RetailFormat(models.TextChoices):
    GROCERY = "Z", _("Grocery")  # 食杂店
    CONVENIENCE = "B", _("Convenience store")  # 便利店
    SUPERMARKET = "S", _("Supermarket")  # 超市
    MALL = "N", _("Shopping mall")  # 商场
    TOBACCO_LIQUOR = "Y", _("Tobacco and liquor shop")  # 烟酒商店
    ENTERTAINMENT = "F", _("Entertainment and services")  # 娱乐服务类
    OTHER = "Q", _("Other")  # 其他


class MarketType(models.TextChoices):
    URBAN = "C", _("Urban")  # 城镇 / 城网
    RURAL = "X", _("Rural")  # 乡村 / 农网


class BusinessScale(models.TextChoices):
    LARGE = "1", _("Large")
    MEDIUM = "2", _("Medium")
    SMALL = "3", _("Small")


class UrbanRuralCode(models.TextChoices):
    """The national statistical urban-rural classification (城乡分类代码)."""

    CITY_CORE = "111", _("Main urban area")  # 主城区
    CITY_FRINGE = "112", _("Urban-rural fringe")  # 城乡结合区
    TOWN_CENTRE = "121", _("Town centre")  # 镇中心区
    TOWN_FRINGE = "122", _("Town-village fringe")  # 镇乡结合区
    SPECIAL = "123", _("Special area")  # 特殊区域
    VILLAGE_CENTRE = "210", _("Township centre")  # 乡中心区
    VILLAGE = "220", _("Village")  # 村庄


class TradingArea(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential")  # 居民区
    MARKET = "market", _("Market district")  # 集贸区
    INDUSTRIAL = "industrial", _("Industrial")  # 工业区
    COMMERCIAL = "commercial", _("Commercial and entertainment")  # 商业娱乐区
    OFFICE = "office", _("Office")  # 办公区
    TOURIST = "tourist", _("Tourist site")  # 旅游景区
    TRANSPORT = "transport", _("Transport hub")  # 交通枢纽区
    CAMPUS = "campus", _("School and campus")  # 院校学区
    OTHER = "other", _("Other")  # 其他


class CreditRating(models.TextChoices):
    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class OrderCycle(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    ODD_WEEKS = "odd", _("Odd weeks")
    EVEN_WEEKS = "even", _("Even weeks")
    NONE = "none", _("No ordering visits")


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", pgettext_lazy("customer status", "Closed")


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_q(user, branch="branch", station="station", route="route"))


class Customer(models.Model):
    licence_no = models.CharField(
        _("licence number"), max_length=12, unique=True, validators=[validate_licence_no]
    )
    name = models.CharField(_("shop name"), max_length=100, blank=True)
    owner_name = models.CharField(_("owner"), max_length=50, blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, db_index=True, validators=[validate_phone]
    )
    alt_phone = models.CharField(_("second phone"), max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )  # fmt: skip
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )  # fmt: skip

    # Where the shop sits in the organisation. Branch and station are copies of the route's, kept by
    # customer services, so that scoping and grouping need no joins.
    route = models.ForeignKey(
        "org.Route", on_delete=models.PROTECT, related_name="customers", verbose_name=_("route")
    )
    station = models.ForeignKey(
        "org.Station",
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("station"),
        editable=False,
    )
    branch = models.ForeignKey(
        "org.Branch",
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("branch"),
        editable=False,
    )

    retail_format = models.CharField(
        _("retail format"), max_length=1, choices=RetailFormat.choices, blank=True
    )
    market_type = models.CharField(_("market type"), max_length=1, choices=MarketType.choices, blank=True)
    business_scale = models.CharField(
        _("business scale"), max_length=1, choices=BusinessScale.choices, blank=True
    )
    urban_rural_code = models.CharField(
        _("urban-rural code"), max_length=3, choices=UrbanRuralCode.choices, blank=True
    )
    trading_area = models.CharField(_("trading area"), max_length=12, choices=TradingArea.choices, blank=True)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), default=0)
    credit_rating = models.CharField(
        _("credit rating"), max_length=3, choices=CreditRating.choices, blank=True
    )
    order_cycle = models.CharField(
        _("order cycle"), max_length=6, choices=OrderCycle.choices, default="weekly"
    )
    order_weekday = models.PositiveSmallIntegerField(
        _("order day"), choices=Weekday.choices, null=True, blank=True
    )
    mutual_aid_group = models.CharField(_("integrity mutual-aid group"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    joined_on = models.DateField(_("join date"), null=True, blank=True)
    e_settlement = models.BooleanField(_("e-settlement"), default=False)
    online_ordering = models.BooleanField(_("online ordering"), default=False)
    quality_terminal = models.BooleanField(_("quality terminal"), default=False)
    quality_data_share = models.BooleanField(_("quality data sharing"), default=False)
    care_flag = models.BooleanField(_("elderly/sick/disabled owner"), default=False)
    care_note = models.CharField(_("care note"), max_length=200, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["licence_no"]
        indexes = [
            models.Index(fields=["branch", "licence_no"]),
            models.Index(fields=["station", "licence_no"]),
            models.Index(fields=["route", "licence_no"]),
            models.Index(fields=["name", "id"]),
            models.Index(fields=["owner_name"]),
            models.Index(fields=["grade", "id"]),
            models.Index(fields=["stars", "id"]),
            # The home page: new shops by join date; a station head's shops by route (issue 14).
            models.Index(fields=["joined_on", "id"]),
            models.Index(fields=["station", "route"]),
            # Reads that join other rows to their shop for its station (the tag loop board groups by it, a station
            # head's tags and visits are scoped by it) get both columns from this narrow index, not the wide rows:
            # at 140,000 shops the city admin's board by station 125 -> 62 ms in PostgreSQL, a station head's tag
            # list 11 -> 5 ms. (id) INCLUDE (station) halved the board too, but PostgreSQL then scanned all of it
            # for a station head's tags instead of one station's part (11 -> 19 ms).
            models.Index(fields=["station", "id"], name="customer_station_id"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(stars__lte=5), name="customer_stars_0_5"),
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(grade__gte=1, grade__lte=30),
                name="customer_grade_1_30",
            ),
        ]

    def __str__(self):
        return self.name or self.licence_no

    @property
    def classification_code(self) -> str:
        """The trade's derived class code: market type + retail format + scale, e.g. ``CB2``."""
        if not (self.market_type and self.retail_format and self.business_scale):
            return ""
        return f"{self.market_type}{self.retail_format}{self.business_scale}"


class ChangeSource(models.TextChoices):
    MANUAL = "manual", _("Edited on a page")
    IMPORT = "import", _("File import")
    API = "api", _("API")
    DEMO = "demo", _("Demo data")
    COMPUTED = "computed", _("Computed from sales")


class CustomerChange(models.Model):
    """One change of a tracked field (grade, stars, route, status…): the shop's dynamic history.

    Rows are appended, never updated or deleted; "grade dropped" and similar lists are computed from them.
    """

    TRACKED_FIELDS = ("grade", "stars", "route", "status", "credit_rating", "retail_format", "market_type")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="changes", verbose_name=_("customer")
    )
    field = models.CharField(_("field"), max_length=30)
    old_value = models.CharField(_("old value"), max_length=100, blank=True)
    new_value = models.CharField(_("new value"), max_length=100, blank=True)
    changed_at = models.DateTimeField(_("changed at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )
    source = models.CharField(_("source"), max_length=10, choices=ChangeSource.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("customer change")
        verbose_name_plural = _("customer changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "field", "changed_at"])]

    def __str__(self):
        return f"{self.customer_id} {self.field}: {self.old_value} → {self.new_value}"


class CodeAlias(models.Model):
    """Maps a local name used in a company's files (e.g. 烟草专业店, 城网) to a code of ours.

    Unknown names are refused by the import with a pointer to this table, never mapped to "other".
    """

    class Field(models.TextChoices):
        RETAIL_FORMAT = "retail_format", _("retail format")
        MARKET_TYPE = "market_type", _("market type")
        BUSINESS_SCALE = "business_scale", _("business scale")
        URBAN_RURAL_CODE = "urban_rural_code", _("urban-rural code")
        TRADING_AREA = "trading_area", _("trading area")
        CREDIT_RATING = "credit_rating", _("credit rating")
        STATUS = "status", _("status")

    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    alias = models.CharField(_("local name"), max_length=50)
    code = models.CharField(_("code"), max_length=20)

    class Meta:
        verbose_name = _("code alias")
        verbose_name_plural = _("code aliases")
        ordering = ["field", "alias"]
        constraints = [models.UniqueConstraint(fields=["field", "alias"], name="codealias_unique")]

    def __str__(self):
        return f"{self.get_field_display()}: {self.alias} → {self.code}"


class OutboxKind(models.TextChoices):
    RESTOCK = "restock", _("Time to order")
    SETTLEMENT = "settlement", _("Settlement balance")
    INVITATION = "invitation", _("Training invitation")
    FEEDBACK = "feedback", _("Training feedback survey")
    CANCELLED = "cancelled", _("Training cancelled")


class OutboxState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("reminder", "Waiting")
    SENT = "sent", pgettext_lazy("reminder", "Sent")
    FAILED = "failed", pgettext_lazy("reminder", "Not sent")


class OutboxMessage(models.Model):
    """A text message to a shop waiting to be sent (or sent): reminders before the order day (growth) and
    training invitations, cancellations and feedback links (trainings). Senders only enqueue
    (``customers.outbox.outbox_enqueue``); one job (``shop_outbox_send``) sends through the service desk's
    notifier and retries failures up to ``SMS_MAX_ATTEMPTS`` times.

    ``dedupe_key`` (kind, shop and the order day or the session) is unique: a job or a click run twice finds
    the row and sends nothing new. ``cycle`` (the order day a reminder is for) and ``session`` say what the
    message is about, for the pages that show them."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="outbox",
                                 verbose_name=_("customer"))  # fmt: skip
    kind = models.CharField(pgettext_lazy("reminder", "kind"), max_length=10, choices=OutboxKind.choices)
    dedupe_key = models.CharField(_("dedupe key"), max_length=80, unique=True)
    cycle = models.DateField(_("order day"), null=True, blank=True)
    session = models.ForeignKey("trainings.TrainingSession", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="notices", verbose_name=_("training session"))  # fmt: skip
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("created at"))
    notifier = models.CharField(_("sent by"), max_length=100, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message to a shop")
        verbose_name_plural = _("messages to shops")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "attempts"], name="outbox_due"),
            models.Index(fields=["kind", "cycle"], name="outbox_kind_cycle"),
        ]

    def __str__(self):
        return self.dedupe_key

    @staticmethod
    def key(*, kind: str, customer_id: int, cycle=None, session_id: int | None = None) -> str:
        """The dedupe key: one message of a kind per shop and order day, or per shop and training session."""
        about = f"d{cycle:%Y%m%d}" if cycle is not None else f"s{session_id}"
        return f"{kind}:{customer_id}:{about}"

    # What the notifiers read (servicedesk.notifiers): the gateway's message id is prefixed so that it never
    # collides with the service desk's own message ids (a gateway drops repeated ids).
    @property
    def msgid(self) -> str:
        return f"O{self.pk}"

    @property
    def request_id(self) -> str:
        return f"training-{self.session_id}" if self.session_id else self.kind


class ShopTally(models.Model):
    """How many shops a station has of each kind the home page breaks down (stars × format × status, with
    the care and online-ordering flags): a few hundred rows for a city, so a city's home page sums them
    instead of grouping its 30,000 shops on every request (issue 14).

    Kept exact by ``customers.tally``: each service that creates or edits one shop moves its count from the
    old kind to the new; bulk writers (the import, the org moves, the star proposals, the demo) recount it all;
    the ``rebuild_counts`` job and command recount it from the shops too.
    """

    branch = models.ForeignKey("org.Branch", on_delete=models.CASCADE, null=True, related_name="+")
    station = models.ForeignKey("org.Station", on_delete=models.CASCADE, null=True, related_name="+")
    stars = models.PositiveSmallIntegerField()
    retail_format = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=10)
    care_flag = models.BooleanField()
    online_ordering = models.BooleanField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("shop count")
        verbose_name_plural = _("shop counts")
        indexes = [models.Index(fields=["station", "branch"])]

    def __str__(self):
        return f"{self.station_id} {self.stars}★ {self.retail_format} {self.status}: {self.n}"
