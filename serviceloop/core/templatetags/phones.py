from django import template

from serviceloop.core.phones import mask_phone

register = template.Library()


@register.filter
def phone_shown(phone: str, visible: bool) -> str:
    """``{{ c.phone|phone_shown:sees_phones }}``: the number, or its masked form for roles that need not see it."""
    return phone if visible else mask_phone(phone)


@register.filter
def tel(phone: str) -> str:
    """``tel:{{ phone|tel }}``: the digits to dial (dashes and spaces dropped, a leading + kept)."""
    phone = (phone or "").strip()
    return ("+" if phone.startswith("+") else "") + "".join(ch for ch in phone if ch.isdigit())
