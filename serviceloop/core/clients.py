"""The client's network address, the same way for log-in lock-out, API throttles and public pages."""

from django.conf import settings


def client_address(request) -> str:
    """REMOTE_ADDR, or behind a reverse proxy the right-most entry of ``CLIENT_ADDRESS_HEADER`` (e.g.
    HTTP_X_FORWARDED_FOR): the one the proxy itself added, which the client cannot forge."""
    header = getattr(settings, "CLIENT_ADDRESS_HEADER", "")
    if header:
        hops = [h.strip() for h in request.META.get(header, "").split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def ip_address_or_none(request) -> str | None:
    """For django-axes, which stores a real IP address (PostgreSQL's inet type): None when there is none."""
    import ipaddress

    value = client_address(request)
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
