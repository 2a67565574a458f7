"""API errors are JSON, in the caller's language, never an HTML page.

DRF handles its own exceptions; this adds the Django ones services raise (ValidationError, an oversize body,
a decompression bomb caught late) so that they become 400/413 instead of a 500 HTML page.
"""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import status
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
