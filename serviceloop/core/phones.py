from django.conf import settings


def mask_phone(phone: str) -> str:
    """138****5678: keeps the first three and last four digits, enough to recognise a number."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def sees_phones(user) -> bool:
    return bool(user.is_superuser or user.role in settings.PHONE_VISIBLE_ROLES)


def phone_for(user, phone: str) -> str:
    return phone if sees_phones(user) else mask_phone(phone)
