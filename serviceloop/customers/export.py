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
                c.get_retail_format_display(),
                c.get_market_type_display(),
                c.get_business_scale_display(),
                c.classification_code,
                c.get_urban_rural_code_display(),
                c.get_trading_area_display(),
                c.grade,
                c.stars,
                c.credit_rating,
                c.get_order_cycle_display(),
                c.get_order_weekday_display() or "",
                c.get_status_display(),
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
