"""REST API plumbing shared by every app's endpoints: pagination, errors, schema, routing, parsing.

Every API error is a JSON object of names and what is wrong with them: a field's name (or
``non_field_errors``) with its messages for a validation error, ``detail`` with one message otherwise, 500
included, whether the error happens inside a view (``handle_exception``) or outside one (the handlers below
for anything under /api/).
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFilesSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

logger = logging.getLogger("django.request")
SERVER_ERROR = "Something went wrong on the server; nothing was written. Try again, and tell us if it goes on."


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
    elif isinstance(exc, (SuspiciousOperation, BadRequest)):  # e.g. too many files, found while parsing
        exc = exceptions.ParseError(_bad_request_message(exc))
    response = exception_handler(exc, context)
    if response is None:  # not an API error: a bug or a failure below the view. Logged, rolled back, JSON.
        request = context.get("request")
        logger.error("Internal Server Error: %s", getattr(request, "path", ""), exc_info=exc,
                     extra={"status_code": 500, "request": getattr(request, "_request", request)})
        set_rollback()
        response = Response({"detail": SERVER_ERROR}, status=500)
    return response


ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
VALIDATION_ERROR = {
    "type": "object",
    "description": "Field names (or “detail” / “non_field_errors”) mapped to what is wrong with them.",
    "additionalProperties": {},
}
RETRY_AFTER = {"description": "Seconds to wait before the next request.", "schema": {"type": "integer"}}
ERROR_RESPONSES = {
    "400": ("Invalid input: the fields and what is wrong with them. Nothing was written.", "ValidationError"),
    "401": ("No valid credentials: sign in or send a token.", "Error"),
    "403": ("Your role or token may not do this.", "Error"),
    "404": ("Not found, or not yours to see.", "Error"),
    "429": ("Too many requests with this token: wait the seconds given in Retry-After.", "Error"),
    "500": ("Something went wrong on the server; nothing was written.", "Error"),
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
                response = responses.setdefault(status, {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
                })
                if status == "429":
                    response.setdefault("headers", {"Retry-After": RETRY_AFTER})
    return result


def api_urls(router):
    """The router's URLs, exempt from the sign-in redirect: the API answers 401 itself."""
    for pattern in router.urls:
        pattern.callback = login_not_required(pattern.callback)
    return router.urls


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception):
    """404 for the whole site: JSON under /api/, the GOV.UK page elsewhere."""
    from django.views.defaults import page_not_found

    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 raised outside a view (a malformed request, too many files, a NUL in the address)."""
    from django.shortcuts import render

    if _is_api(request):
        return JsonResponse({"detail": _bad_request_message(exception)}, status=400)
    return render(request, "400.html", {"message": _bad_request_message(exception)}, status=400)


def _bad_request_message(exception: Exception) -> str:
    if isinstance(exception, TooManyFilesSent):
        return f"Too many files in one request: at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES}."
    if isinstance(exception, RequestDataTooBig):
        return "The request is too large."
    if isinstance(exception, NulInRequest) or settings.DEBUG:
        return str(exception)
    return "Bad request."


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    from django.views.defaults import permission_denied as page

    if _is_api(request):
        return JsonResponse({"detail": str(exception) or "You do not have permission to do this."}, status=403)
    return page(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 outside a DRF view (middleware, URL resolution): JSON under /api/, the site's page elsewhere."""
    from django.views.defaults import server_error as page

    if _is_api(request):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return page(request)


class NulInRequest(BadRequest):
    pass


def refuse_nul_bytes(get_response: Any) -> Any:
    """Middleware: an address or query with a NUL character is a 400 before any view runs (PostgreSQL
    cannot hold NUL in text, so a filter or lookup with one would otherwise fail as a 500)."""
    def middleware(request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any("\x00" in key or any("\x00" in value for value in values)
                                         for key, values in request.GET.lists()):
            raise NulInRequest("The address contains a NUL character (%00), which no address may hold.")
        return get_response(request)

    return middleware
