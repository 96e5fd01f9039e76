"""Shared REST API pieces: one error shape for every failure, pagination, filtering and the thin base view.

Every failure answers {"error": {"code", "message", "details"}}; the OpenAPI schema documents
that shape on every operation (ApiSchema), so contract tests can hold the API to it.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend, FilterSet
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from config.exceptions import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        errors = as_serializer_error(exc)
        # A service's refusal of the object as a whole comes as Django's "__all__": the API's name for it.
        if NON_FIELD_ERRORS in errors:
            errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
        exc = exceptions.ValidationError(errors)
    if isinstance(exc, IntegrityError):
        # A unique constraint lost a race with a concurrent request (full_clean() passed just before).
        exc = exceptions.ValidationError({"non_field_errors": ["This conflicts with an existing record."]})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, ApplicationError):
        return Response(
            {"error": {"code": "application_error", "message": exc.message, "details": exc.extra}},
            status=400,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        message = "The request has invalid fields."
        details = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
    else:
        message = str(response.data.get("detail", exc)) if isinstance(response.data, dict) else str(exc)
        details = {}
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": message, "details": details}}
    return response


# The largest id a 64-bit primary key can hold; larger numbers overflow the database driver.
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """An object id in a filter or body: 1..MAX_ID."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def reject_nul_characters(value: Any) -> None:
    """PostgreSQL cannot store NUL (\\u0000) in text or jsonb: refuse it anywhere in a JSON value."""
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError("Null characters are not allowed.")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            reject_nul_characters(key)
            reject_nul_characters(item)
    elif isinstance(value, list | tuple):
        for item in value:
            reject_nul_characters(item)


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField(child=serializers.JSONField())


class ErrorSerializer(serializers.Serializer):
    """The one error shape."""

    error = ErrorBodySerializer()


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


# Failures every operation can answer with; all of them use ErrorSerializer.
ERROR_CODES = ("400", "401", "403", "404")


class ApiSchema(AutoSchema):
    """drf-spectacular schema for ApiView: Input/Output/Filter serializers and the error shape."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        if getattr(self.view, "is_list_api", False):
            return self.method == "GET" and (serializer is None or not isinstance(serializer, dict))
        return super()._is_list_view(serializer)

    def _is_create_operation(self) -> bool:
        if getattr(self.view, "is_list_api", False):
            return self.method == "POST"
        return super()._is_create_operation()

    def get_request_serializer(self) -> Any:
        input_serializer = getattr(self.view, "InputSerializer", None)
        if input_serializer is not None and self.method in ("POST", "PUT", "PATCH"):
            return input_serializer
        return super().get_request_serializer()

    def get_response_serializers(self) -> Any:
        output_serializer = getattr(self.view, "OutputSerializer", None)
        if output_serializer is not None:
            return output_serializer
        return super().get_response_serializers()

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in ERROR_CODES:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses


class ApiView(GenericAPIView):
    """A thin API view: validate with InputSerializer, call a service, answer with OutputSerializer.

    Subclasses set `InputSerializer`, `OutputSerializer` and, for lists, a django-filter
    `filterset_class` and `is_list_api = True` (GET lists with pagination, POST creates with 201).
    """

    InputSerializer: type[serializers.Serializer] | None = None
    OutputSerializer: type[serializers.Serializer] | None = None
    # DRF's documented django-filter integration: the FilterSet validates the query string (a bad
    # value is a 400 naming the parameter) and drf-spectacular documents it.
    filter_backends = [DjangoFilterBackend]
    filterset_class: type[FilterSet] | None = None
    is_list_api = False
    pagination_class = Pagination
    # JSON only: one request format to document, validate and fuzz.
    parser_classes = [JSONParser]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        assert self.OutputSerializer is not None  # noqa: S101 (programming error, not input)
        return self.OutputSerializer

    def get_object(self) -> Any:
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if lookup is not None and not 0 < int(lookup) <= MAX_ID:
            raise Http404
        return super().get_object()

    def validated_input(self, *, partial: bool = False) -> dict[str, Any]:
        assert self.InputSerializer is not None  # noqa: S101 (programming error, not input)
        serializer = self.InputSerializer(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def output(self, instance: Any, *, status: int = 200) -> Response:
        return Response(self.get_serializer(instance).data, status=status)

    def filtered_page(self) -> Response:
        """GET of a list: the user's rows, narrowed by the filterset, one page of them."""
        return self.paginated(self.filter_queryset(self.get_queryset()))

    def paginated(self, queryset: QuerySet) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def only_present(data: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The items of data whose key is in names (for partial updates)."""
    return {name: data[name] for name in names if name in data}


def _is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


@csrf_exempt  # like every API view: a POST to a wrong path must get this 404, not a CSRF page
def api_not_found(request: Any, *args: Any, **kwargs: Any) -> Any:
    """Any path under /api/ that matches no operation: 404 in the one error shape (also with DEBUG on).

    A route rather than only handler404, which DEBUG replaces with Django's HTML page. A path that
    only lacks its final slash gets a hint instead of a redirect: a redirected POST loses its body."""
    from django.http import JsonResponse
    from django.urls import Resolver404, resolve

    message = "Not found."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            message = f"Not found. API paths end with a slash: {request.path}/"
    return JsonResponse({"error": {"code": "not_found", "message": message, "details": {}}}, status=404)


def not_found(request: Any, exception: Exception | None = None) -> Any:
    """handler404: under /api/ a 404 raised outside DRF also answers in the one error shape."""
    from django.views.defaults import page_not_found

    if _is_api_path(request.path):
        return api_not_found(request)
    return page_not_found(request, exception)


def server_error(request: Any) -> Any:
    """handler500: under /api/ an unexpected failure also answers in the one error shape (Sentry still sees it)."""
    from django.http import JsonResponse
    from django.views.defaults import server_error as html_server_error

    if _is_api_path(request.path):
        body = {"error": {"code": "server_error", "message": "Something went wrong on our side.", "details": {}}}
        return JsonResponse(body, status=500)
    return html_server_error(request)
