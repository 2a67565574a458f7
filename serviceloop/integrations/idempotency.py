"""``Idempotency-Key`` for every API write: a retried POST gets the first answer instead of acting twice.

Keys belong to the caller (another caller's same key is theirs). The same key with another body or on another
endpoint is refused with 409. Only answers below 500 are kept; a refused write (4xx) is kept too, so that a
retry does not suddenly succeed after a rule changed in between.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from .models import IdempotentAnswer

KEY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Any text up to 100 characters; the same key (yours) with the same body answers as the first time.",
)  # fmt: skip


def _file_digest(upload) -> str:
    h = hashlib.sha256()
    for chunk in upload.chunks():
        h.update(chunk)
    upload.seek(0)
    return f"{upload.name}:{h.hexdigest()}"


def _digest(request) -> str:
    data = request.data
    if hasattr(data, "lists"):
        data = {k: [v if isinstance(v, str) else _file_digest(v) if hasattr(v, "chunks") else str(v) for v in vs]
                for k, vs in data.lists()}  # fmt: skip
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def idempotent(view_method):
    """Wraps an API view method that writes. Without the header the call is simply made."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or request.method in SAFE_METHODS:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 100:
            raise ValidationError({"Idempotency-Key": [_("At most 100 characters.")]})
        endpoint = f"{request.method} {request.path}"[:200]
        digest = _digest(request)
        stored = IdempotentAnswer.objects.filter(user=request.user, key=key).first()
        if stored is not None:
            if stored.request_sha256 != digest or stored.endpoint != endpoint:
                return Response(
                    {
                        "detail": _(
                            "This Idempotency-Key was already used for a different request. Use a new key."
                        )
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            response = Response(stored.response, status=stored.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = view_method(self, request, *args, **kwargs)
        except APIException as exc:
            if exc.status_code >= 500 or exc.status_code in (401, 429):
                raise
            response = self.handle_exception(exc)
        if response.status_code < 500 and response.status_code not in (401, 429):
            try:
                with transaction.atomic():
                    IdempotentAnswer.objects.create(
                        user=request.user, key=key, endpoint=endpoint, request_sha256=digest,
                        status_code=response.status_code,
                        response=json.loads(json.dumps(response.data, default=str)) if response.data else {},
                        created_at=timezone.now(),
                    )  # fmt: skip
            except IntegrityError:
                pass  # a concurrent call with the same key stored its answer first
        return response

    return wrapper
