"""Who sees what through the API: staff see every store, a merchant only the stores they belong to."""

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiView
from config.filters import ByStoreFilter
from integrations.models import Connection, Store


def user_is_staff(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def stores_for_user(*, user: Any) -> QuerySet[Store]:
    """The stores a user may read and change: all for staff, their memberships otherwise."""
    if user_is_staff(user):
        return Store.objects.all()
    if not (user and user.is_authenticated):
        return Store.objects.none()
    return Store.objects.filter(memberships__user_id=user.pk)


def scope_to_user_stores(queryset: QuerySet, *, user: Any, store_field: str = "store") -> QuerySet:
    """Limit a queryset of store-owned rows to the user's stores."""
    if user_is_staff(user):
        return queryset
    return queryset.filter(**{f"{store_field}__in": stores_for_user(user=user).values("pk")})


class _BoundedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key field that says "does not exist" to ids too large for the database, instead of a 500."""

    def to_internal_value(self, data: Any) -> Any:
        from config.api import MAX_ID

        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and data.strip().lstrip("-").isdigit() and not 0 < int(data) <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _request_user(field: serializers.Field) -> Any:
    request = field.context.get("request")
    return getattr(request, "user", None)


class UserStoreField(_BoundedPrimaryKeyField):
    """A store id the requesting user may write to; any other id is "does not exist"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Store.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Store]:
        return stores_for_user(user=_request_user(self))


class UserWarehouseConnectionField(_BoundedPrimaryKeyField):
    """A warehouse connection in one of the requesting user's stores."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Connection.objects.filter(role=Connection.Role.WAREHOUSE))
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Connection]:
        queryset = Connection.objects.filter(role=Connection.Role.WAREHOUSE)
        return scope_to_user_stores(queryset, user=_request_user(self))


# The mixin goes before a GenericAPIView: type-check it as one, stay a plain mixin at runtime.
if TYPE_CHECKING:
    _ViewBase = GenericAPIView[Any]
else:
    _ViewBase = object


class StoreScopedMixin(_ViewBase):
    """For API views: the view's queryset limited to the requesting user's stores (others are 404)."""

    store_field = "store"

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        return scope_to_user_stores(queryset, user=self.request.user, store_field=self.store_field)


class StoreRowListApi(StoreScopedMixin, ApiView):
    """A store's rows of one kind: GET lists them (?store= narrows), POST adds one to a store you belong to.

    Subclasses set the queryset and serializers and say how a row is created.
    """

    is_list_api = True
    filterset_class = ByStoreFilter

    def create(self, *, store: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def get(self, request: Request) -> Response:
        return self.filtered_page()

    def post(self, request: Request) -> Response:
        data = self.validated_input()
        return self.output(self.create(store=data.pop("store"), data=data), status=201)


class StoreRowDetailApi(StoreScopedMixin, ApiView):
    """One of a store's rows: GET reads it, PATCH changes it, DELETE removes it.

    Subclasses set the queryset and serializers and say how a row is changed and removed.
    """

    def update(self, row: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def remove(self, row: Any) -> None:
        raise NotImplementedError

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())

    def patch(self, request: Request, pk: int) -> Response:
        return self.output(self.update(self.get_object(), self.validated_input(partial=True)))

    def delete(self, request: Request, pk: int) -> Response:
        self.remove(self.get_object())
        return Response(status=204)
