from django import template

from serviceloop.portal.services import may_regenerate_shop_link

register = template.Library()

CATEGORY_ICONS = {
    "ordering": "cart3",
    "delivery": "truck",
    "quality": "box-seam",
    "settlement": "cash-coin",
    "attitude": "emoji-smile",
    "supply": "boxes",
    "policy": "journal-text",
    "other": "three-dots",
}


@register.filter
def category_icon(code) -> str:
    """A bootstrap-icons name for a service-desk category code; a speech bubble for new categories."""
    return CATEGORY_ICONS.get(str(code), "chat-dots")


@register.filter
def may_regenerate_qr(user) -> bool:
    return may_regenerate_shop_link(user)
