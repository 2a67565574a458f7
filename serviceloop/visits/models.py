"""Visit policies by star level, visit plans and records (R15–R17), key-customer lists (R4), the 135 cycle (R18)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from serviceloop.org.models import Role
from serviceloop.org.scope import scope_level, scope_q


class PolicyKind(models.TextChoices):
    STARS = "stars", _("By star level")
    NEW_SHOP = "new_shop", _("New shops")
    KEY_LIST = "key_list", _("Key-customer list")


class KeyList(models.TextChoices):
    QUALITY_TERMINAL = "quality_terminal", _("Quality terminals")
    GRADE_DROPPED = "grade_dropped", _("Grade dropped")
    CARE = "care", _("Elderly, sick or disabled owners")
    FREQUENTLY_CLOSED = "frequently_closed", _("Frequently closed")
    COMPLAINTS = "complaints", _("Complaints and tip-offs")
    CAPITAL_PRESSURE = "capital_pressure", _("Capital pressure")
    NEW_SHOP = "new_shop", _("New shops (first months)")
    IRREGULAR_ORDERING = "irregular", _("Irregular ordering (stopped ordering)")


class VisitPolicy(models.Model):
    """How often and how long a kind of shop is visited, and what a visit covers (one item per line)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("applies to"), max_length=10, choices=PolicyKind.choices)
    stars_min = models.PositiveSmallIntegerField(_("stars from"), default=0)
    stars_max = models.PositiveSmallIntegerField(_("stars to"), default=5)
    key_list = models.CharField(_("key-customer list"), max_length=20, choices=KeyList.choices, blank=True)
    visits_per_month = models.PositiveSmallIntegerField(
        _("visits a month (at least)"),
        help_text=_("1–3: every 4/2/1 weeks; 4 or more: that many a week ÷ 4."),
    )
    min_minutes = models.PositiveSmallIntegerField(_("minimum minutes per visit"))
    max_gap_days = models.PositiveSmallIntegerField(_("longest gap between visits (days)"))
    checklist = models.TextField(
        _("what the visit covers"), max_length=2000, help_text=_("One item per line.")
    )
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit policy")
        verbose_name_plural = _("visit policies")
        ordering = ["kind", "-stars_max", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visits_per_month__gte=1, visits_per_month__lte=24),
                name="policy_visits_1_24",
            ),
            models.CheckConstraint(
                condition=models.Q(stars_min__lte=models.F("stars_max")), name="policy_stars"
            ),
            models.CheckConstraint(condition=models.Q(max_gap_days__gte=1), name="policy_gap_ge_1"),
        ]

    def __str__(self):
        return self.name

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]


class KeyListSettings(models.Model):
    """Thresholds of the key-customer lists; one row (pk=1), edited by city admins."""

    grade_drop_days = models.PositiveSmallIntegerField(_("grade dropped within (days)"), default=90)
    closed_window_days = models.PositiveSmallIntegerField(_("closed visits counted over (days)"), default=60)
    closed_min_visits = models.PositiveSmallIntegerField(_("closed visits to be listed"), default=3)
    complaint_days = models.PositiveSmallIntegerField(_("complaints counted over (days)"), default=90)
    new_shop_months = models.PositiveSmallIntegerField(_("new-shop period (months)"), default=3)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("key-list settings")
        verbose_name_plural = _("key-list settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade_drop_days__gte=1, closed_window_days__gte=1, closed_min_visits__gte=1,
                                   complaint_days__gte=1, new_shop_months__gte=1, new_shop_months__lte=24),
                name="keylistsettings_positive",
            )
        ]  # fmt: skip

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "KeyListSettings":
        return cls.objects.get_or_create(pk=1)[0]


class KeyCustomerEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(
            scope_q(user, branch="customer__branch", station="customer__station", route="customer__route")
        )


class KeyCustomerEntry(models.Model):
    """A shop on a key-customer list, as computed by the daily job."""

    key_list = models.CharField(_("list"), max_length=20, choices=KeyList.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="key_lists", verbose_name=_("customer")
    )
    since = models.DateField(_("listed since"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    objects = KeyCustomerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("key-customer entry")
        verbose_name_plural = _("key-customer entries")
        ordering = ["key_list", "customer_id"]
        constraints = [models.UniqueConstraint(fields=["key_list", "customer"], name="keyentry_unique")]

    def __str__(self):
        return f"{self.get_key_list_display()}: {self.customer_id}"


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("Checked in")
    DONE = "done", pgettext_lazy("visit status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("visit status", "Cancelled")


class VisitOutcome(models.TextChoices):
    VISITED = "visited", _("Visited")
    SHOP_CLOSED = "shop_closed", _("Shop closed")
    OWNER_ABSENT = "owner_absent", _("Owner absent")


class VisitSource(models.TextChoices):
    GENERATED = "generated", _("From the policy")
    MANUAL = "manual", _("Added by hand")


class VisitQuerySet(models.QuerySet):
    def planned_in(self, user):
        """The visits planned on the routes of the user's area (an account manager's: their own visits): the work
        of their people, which the visit list, the short-visit list and the home page's counts show, as the
        compliance page counts it. A visit keeps its route when its shop moves on (``visits_follow_routes`` moves
        only those still planned, from today), so the station that made a visit keeps it in its list, as a
        service request keeps the area it was filed in.

        Scoped through the shop's current station instead, a station head's list made PostgreSQL walk the newest
        days of every visit in the province and look up each one's shop: 167 ms of database time at 140,000 shops
        (issue 14), 11 ms this way."""
        return self.filter(_route_scope(user))

    def visible_to(self, user):
        """The visits a user may open: those planned in their area, and every visit of a shop in their area (the
        shop page's history, from before it moved to them too)."""
        shop_scope = scope_q(
            user, branch="customer__branch", station="customer__station", route="customer__route"
        )
        return self.filter(shop_scope | _route_scope(user))


def _route_scope(user):
    if scope_level(user) == "route" and user.role == Role.ACCOUNT_MANAGER:
        # An account manager's work is the visits they are the manager of: the planned ones follow the route's
        # manager, done ones keep who made them. By the (manager, planned_on) index their list's first page takes
        # 0.2 ms at 140,000 shops; through the join to their routes PostgreSQL walked the province's visits by
        # date to find their 30 (54 ms), with their route ids written out too (40 ms).
        return models.Q(manager=user)
    return scope_q(user, branch="route__station__branch", station="route__station", route="route")


class Visit(models.Model):
    """A planned visit, and once checked in, its record."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="visits", verbose_name=_("customer")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("account manager"),
    )
    route = models.ForeignKey(
        "org.Route", on_delete=models.PROTECT, related_name="+", verbose_name=_("route")
    )
    policy = models.ForeignKey(
        VisitPolicy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("policy"),
    )
    planned_on = models.DateField(_("planned for"))
    # The day the generator picked; kept when the visit is moved so that regeneration does not add it again.
    generated_for = models.DateField(_("generated for"), null=True, blank=True, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=VisitSource.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    check_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    check_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    outcome = models.CharField(
        pgettext_lazy("visit", "outcome"), max_length=12, choices=VisitOutcome.choices, blank=True
    )
    covered = models.JSONField(_("covered"), default=list, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    photo = models.ImageField(_("photo"), upload_to="visits/", blank=True)
    # Whole minutes from check-in to check-out, kept at check-out so compliance filters in SQL.
    minutes_spent = models.PositiveIntegerField(_("minutes"), null=True, blank=True, editable=False)
    # Why a visit was shorter than its policy's minimum (asked at check-out; empty when it was long enough).
    short_reason = models.CharField(_("reason for the short visit"), max_length=500, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["planned_on", "id"]
        indexes = [
            models.Index(fields=["manager", "planned_on"]),
            # Covers the compliance page's counts (a month of visits by manager or route, by status and outcome,
            # short ones by policy and minutes) so they are read from the index alone, without the table rows:
            # 130 → 50 ms CPU for a 30,000-shop city's month on SQLite. It replaces (planned_on, status).
            models.Index(
                fields=["planned_on", "status", "outcome", "manager", "route", "policy", "minutes_spent"],
                name="visit_month_tally_idx",
            ),
            models.Index(fields=["customer", "check_in_at"]),
            # The compliance page by route counts a page of routes' month (by manager: the index above).
            models.Index(fields=["route", "planned_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "generated_for"], condition=models.Q(generated_for__isnull=False),
                name="visit_one_generated_per_day",
            ),
            models.CheckConstraint(
                condition=models.Q(check_out_at__isnull=True) | models.Q(check_out_at__gte=models.F("check_in_at")),
                name="visit_out_after_in",
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.customer} · {self.planned_on}"

    @property
    def minutes(self) -> int | None:
        if self.minutes_spent is not None:
            return self.minutes_spent
        if self.check_in_at and self.check_out_at:
            return int((self.check_out_at - self.check_in_at).total_seconds() // 60)
        return None


class VisitDue(models.Model):
    """When each active shop is next due for a visit under its policy's longest gap.

    "Not visited for too long" was computed per request from every shop of the city (1.4 s at 30,000 shops);
    these rows are kept by the key-list job (all shops, after the lists that choose policies) and by every
    completed visit (that shop), so the page is one indexed query. A shop imported since the last job run has
    no row until the next one (at most six hours).
    """

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="visit_due",
        verbose_name=_("customer"),
    )  # fmt: skip
    policy = models.ForeignKey(
        VisitPolicy, on_delete=models.CASCADE, related_name="+", verbose_name=_("policy")
    )
    last_visit_on = models.DateField(_("last visited on"), null=True, blank=True)
    # The last completed visit, else the join date; empty when neither is known (then the shop is due at once).
    since = models.DateField(_("counted from"), null=True, blank=True)
    due_on = models.DateField(_("due by"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("visit due date")
        verbose_name_plural = _("visit due dates")
        # (since, customer): the "not visited for too long" list's order, read a window at a time (issue 14).
        indexes = [models.Index(fields=["due_on"]), models.Index(fields=["since", "customer"])]

    def __str__(self):
        return f"{self.customer_id} → {self.due_on or '—'}"


class VisitMonthKey(models.Model):
    """That a manager had visits on a route in a month: the rows of the compliance table (issue 14).

    The page lists a page of managers (or routes) by name and counts only their month's visits, through the
    (manager, planned_on) and (route, planned_on) indexes, so its cost no longer follows the city's size. The
    managers come from the routes they run now and from these rows, so one who has left a route keeps their
    months. Rows are added by every service that plans or moves a visit, never removed (a manager whose visits
    were all cancelled shows none planned); ``visits.tally.visitkeys_rebuild`` (the ``rebuild_counts`` job and
    command) adds any a bulk write left out.
    """

    month = models.DateField(_("month"))
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    route = models.ForeignKey("org.Route", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("visit month")
        verbose_name_plural = _("visit months")
        constraints = [
            models.UniqueConstraint(fields=["month", "manager", "route"], name="visitmonthkey_unique")
        ]
        indexes = [models.Index(fields=["month", "route"])]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.manager_id} {self.route_id}"


class VisitTally(models.Model):
    """One manager's visits on one route planned for one day, counted: what the compliance page sums (issue 14).

    Counting a page of 50 managers' month from the visits read every one of them (80,000 at a province's size,
    76 ms of PostgreSQL's time); their day rows are ~1,500. Every service that plans, moves, cancels, checks in
    or records a visit moves its counts in the same transaction (``visits.tally.visittally_add``); the
    ``rebuild_counts`` job recounts them from the visits, for writes that went around the services. Cancelled
    visits count nowhere; ``done`` counts checked-out visits, ``visited`` those whose outcome is "visited",
    ``short`` those visited for less than their policy's minimum.
    """

    day = models.DateField(_("day"))
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    route = models.ForeignKey("org.Route", on_delete=models.CASCADE, related_name="+")
    planned = models.IntegerField(default=0)
    done = models.IntegerField(default=0)
    visited = models.IntegerField(default=0)
    short = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("visit day count")
        verbose_name_plural = _("visit day counts")
        constraints = [models.UniqueConstraint(fields=["manager", "day", "route"], name="visittally_unique")]
        indexes = [models.Index(fields=["route", "day"])]

    def __str__(self):
        return f"{self.day} {self.manager_id} {self.route_id}: {self.done}/{self.planned}"


class VisitEvent(models.Model):
    """Append-only: planned, moved, checked in, recorded, cancelled."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="events", verbose_name=_("visit"))
    action = models.CharField(_("action"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.visit_id} {self.action}"


class CycleNote(models.Model):
    """The manager's own words in the 135 cycle for one week: analysis, plan, and what to improve."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cycle_notes",
        verbose_name=_("account manager"),
    )
    week_start = models.DateField(_("week starting"))
    analysis = models.TextField(_("analysis"), max_length=2000, blank=True)
    plan = models.TextField(_("plan"), max_length=2000, blank=True)
    evaluation = models.TextField(_("evaluation"), max_length=2000, blank=True)
    improvement = models.TextField(_("improvement and next plan"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("135 cycle note")
        verbose_name_plural = _("135 cycle notes")
        constraints = [
            models.UniqueConstraint(fields=["manager", "week_start"], name="cyclenote_unique_week")
        ]

    def __str__(self):
        return f"{self.manager_id} {self.week_start}"
