"""REST API plumbing shared by every app's endpoints: pagination, errors, schema, routing."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination
from rest_framework.views import exception_handler


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def handle_exception(exc, context):
    """Service-layer errors become API errors: a Django ValidationError is a 400 naming the fields."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return exception_handler(exc, context)


ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Field names (or “detail” / “non_field_errors”) mapped to what is wrong with them.",
    "additionalProperties": {},
}
ERROR_RESPONSES = {
    "400": ("Invalid input: the fields and what is wrong with them. Nothing was written.", "ValidationError"),
    "401": ("No valid credentials: sign in or send a token.", "Error"),
    "403": ("Your role or token may not do this.", "Error"),
    "404": ("Not found, or not yours to see.", "Error"),
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular hook: every operation documents the errors it can answer with."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["ValidationError"] = VALIDATION_ERROR
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, (description, schema) in ERROR_RESPONSES.items():
                responses.setdefault(status, {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
                })
    return result


def api_urls(router):
    """The router's URLs, exempt from the sign-in redirect: the API answers 401 itself."""
    for pattern in router.urls:
        pattern.callback = login_not_required(pattern.callback)
    return router.urls


def not_found(request, exception):
    """404 for the whole site: JSON under /api/, the GOV.UK page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
