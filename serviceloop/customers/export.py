from django.utils.translation import gettext as _

from serviceloop.core.background import exportable
from serviceloop.core.phones import phone_for


def customer_export_table(*, user, queryset):
    """Headers and rows for the Excel export of a filtered customer list (phones masked per role)."""
    headers = [
        _("licence number"),
        _("shop name"),
        _("owner"),
        _("phone"),
        _("address"),
        _("branch"),
        _("station"),
        _("route"),
        _("account manager"),
        _("retail format"),
        _("market type"),
        _("business scale"),
        _("class code"),
        _("urban-rural code"),
        _("trading area"),
        _("grade"),
        _("stars"),
        _("credit rating"),
        _("order cycle"),
        _("order day"),
        _("status"),
        _("e-settlement"),
        _("online ordering"),
        _("elderly/sick/disabled owner"),
        _("join date"),
    ]
    yes, no = _("yes"), _("no")
    # Labels looked up once: get_FOO_display() hashes the lazy choices and translates on every call, which
    # took over half of an 18,000-row export's time.
    from .models import Customer

    def labels(name):
        return {code: str(label) for code, label in Customer._meta.get_field(name).flatchoices}

    fmt, market, scale = labels("retail_format"), labels("market_type"), labels("business_scale")
    urban, area, cycle = labels("urban_rural_code"), labels("trading_area"), labels("order_cycle")
    weekday, status = labels("order_weekday"), labels("status")

    def rows():
        for c in queryset.iterator(chunk_size=2000):
            yield [
                c.licence_no,
                c.name,
                c.owner_name,
                phone_for(user, c.phone),
                c.address,
                c.branch.name,
                c.station.name,
                c.route.name,
                str(c.route.account_manager or ""),
                fmt.get(c.retail_format, c.retail_format),
                market.get(c.market_type, c.market_type),
                scale.get(c.business_scale, c.business_scale),
                c.classification_code,
                urban.get(c.urban_rural_code, c.urban_rural_code),
                area.get(c.trading_area, c.trading_area),
                c.grade,
                c.stars,
                c.credit_rating,
                cycle.get(c.order_cycle, c.order_cycle),
                weekday.get(c.order_weekday) or "",
                status.get(c.status, c.status),
                yes if c.e_settlement else no,
                yes if c.online_ordering else no,
                yes if c.care_flag else no,
                c.joined_on,
            ]

    return headers, rows()


def _count(user, params) -> int:
    from .selectors import customer_list

    return customer_list(user=user, params=params)[1].count()


@exportable(count=_count)
def customer_sheets(user, params):
    """The filtered list as one sheet, for the background export (rows streamed from the database in chunks of
    2,000 into openpyxl's write-only workbook, so memory stays flat whatever the number of shops)."""
    from .selectors import customer_list

    _filterset, qs = customer_list(user=user, params=params)
    headers, rows = customer_export_table(user=user, queryset=qs)
    return [(_("customers"), headers, rows)]
