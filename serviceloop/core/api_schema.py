"""OpenAPI post-processing: every operation documents the error answers the API really gives.

DRF answers 400 (validation: field → messages), 401 (no or a wrong token), 403 (role or scope), 404 (not in
the caller's scope, or a page past the end), 409 (an idempotency key reused with another body), 413 (too
large) and 429 (throttled) as JSON; drf-spectacular documents only the success. Schemathesis checks them.
"""

ERROR = {
    "type": "object",
    "description": "An error: `detail` (text or list of texts) or, for validation errors, field → messages.",
    "additionalProperties": True,
}
STATUSES = {
    "400": "Invalid input (field → messages, or detail)",
    "401": "Not signed in, or a wrong token",
    "403": "Not allowed for this role or outside the caller's area",
    "404": "Not found in the caller's area (or a page past the end)",
    "413": "Too large",
    "429": "Too many requests (throttled); try again later",
}


FIELD_ERRORS = {
    "type": "object",
    "description": "Invalid input: each field that was refused → its messages (in the caller's language, the same "
    "words as on the pages); `non_field_errors` for what concerns the whole body (a rule of the service).",
    "properties": {"non_field_errors": {"type": "array", "items": {"type": "string"}}},
    "additionalProperties": True,
    "example": {
        "reason": ["这个字段是必填项。"],
        "non_field_errors": ["这家客户已经贴有标签“不会网上订货”。"],
    },
}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR
    components["FieldErrors"] = FIELD_ERRORS
    ref = {"$ref": "#/components/schemas/Error"}
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            if method in ("post", "put", "patch"):
                responses.setdefault("400", {"description": STATUSES["400"], "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/FieldErrors"}}}})  # fmt: skip
            keyed = any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
            if keyed:  # issue 15: every API write takes an Idempotency-Key
                responses.setdefault("409", {"description": "Idempotency-Key already used for a different request",
                                             "content": {"application/json": {"schema": ref}}})  # fmt: skip
            for status, text in STATUSES.items():
                responses.setdefault(
                    status, {"description": text, "content": {"application/json": {"schema": ref}}}
                )
            if method == "post" and path.endswith("service-requests/"):
                responses.setdefault(
                    "409",
                    {"description": "Idempotency key already used for a different request",
                     "content": {"application/json": {"schema": ref}}},
                )  # fmt: skip
    return result
