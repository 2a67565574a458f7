"""API errors are JSON, in the caller's language, never an HTML page.

DRF handles its own exceptions; this adds the Django ones services raise (ValidationError, an oversize body,
a decompression bomb caught late) so that they become 400/413 instead of a 500 HTML page.
"""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import parsers, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": too_big_message()}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return None


def too_big_message() -> str:
    from django.conf import settings

    return _(
        "What you sent is too large (at most %(mb)d MB in one submission). Shorten it or send files one by one."
    ) % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)}


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing text that holds a NUL character (``\\u0000``) with a clear 400.

    PostgreSQL can store NUL neither in text nor in jsonb ("unsupported Unicode escape sequence"), so a body
    carrying one would otherwise fail deep inside a service with a 500; SQLite would quietly keep it.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _holds_nul(data):
            raise ParseError(
                _("The text holds an invisible control character (NUL, \\u0000). Remove it and send again.")
            )
        return data
