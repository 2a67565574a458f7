from django.utils.translation import gettext as _

from serviceloop.core.background import exportable
from serviceloop.core.phones import mask_phone, sees_phones


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

    # Plain tuples of the columns the sheet shows (one joined query per chunk of 2,000): building a Customer,
    # its route, station, branch and account manager objects for every row was half of the export's time.
    columns = (
        "licence_no", "name", "owner_name", "phone", "address", "branch__name", "station__name", "route__name",
        "route__account_manager__full_name", "route__account_manager__username", "retail_format", "market_type",
        "business_scale", "urban_rural_code", "trading_area", "grade", "stars",
        "credit_rating", "order_cycle", "order_weekday", "status", "e_settlement", "online_ordering", "care_flag",
        "joined_on",
    )  # fmt: skip
    show_phone = (lambda phone: phone) if sees_phones(user) else mask_phone

    def rows():
        for (licence, name, owner, phone, address, branch, station, route, am_name, am_username, retail_format,
             market_type, business_scale, urban_rural, trading_area, grade, stars, credit, order_cycle,
             order_weekday, status_code, e_settlement, online, care, joined) in queryset.values_list(
                *columns
        ).iterator(chunk_size=2000):  # fmt: skip
            yield [
                licence,
                name,
                owner,
                show_phone(phone),
                address,
                branch,
                station,
                route,
                am_name or am_username or "",  # User.__str__
                fmt.get(retail_format, retail_format),
                market.get(market_type, market_type),
                scale.get(business_scale, business_scale),
                # Customer.classification_code, derived the same way
                f"{market_type}{retail_format}{business_scale}"
                if market_type and retail_format and business_scale
                else "",
                urban.get(urban_rural, urban_rural),
                area.get(trading_area, trading_area),
                grade,
                stars,
                credit,
                cycle.get(order_cycle, order_cycle),
                weekday.get(order_weekday) or "",
                status.get(status_code, status_code),
                yes if e_settlement else no,
                yes if online else no,
                yes if care else no,
                joined,
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
