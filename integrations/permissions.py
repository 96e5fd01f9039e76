"""Who sees what through the API: the rows of the stores a user may see, and a 403 for an action they may not do.

The question itself is integrations.access.can (one table for the admin, the API and the pages).
"""

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiView
from config.filters import ByStoreFilter
from integrations import access
from integrations.models import Connection, Store


def user_is_staff(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def stores_for_user(*, user: Any) -> QuerySet[Store]:
    """The stores a user may see: all for staff who may view stores, their memberships otherwise."""
    return access.stores_where(user, "store.view")


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
    """A store id the requesting user may see; any other id is "does not exist" (the view then asks whether
    they may write there, and answers 403 when not)."""

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
        return access.scope(queryset, user=_request_user(self), action="connection.view")


# The mixin goes before a GenericAPIView: type-check it as one, stay a plain mixin at runtime.
if TYPE_CHECKING:
    _ViewBase = GenericAPIView[Any]
else:
    _ViewBase = object


class StoreScopedMixin(_ViewBase):
    """For API views: the rows of the stores where the user may do `view_action` (others are 404), and
    `require()` for anything more (403 with who may, in the one error shape)."""

    store_field = "store"
    view_action = ""

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        assert self.view_action, f"{type(self).__name__} names no view_action"  # noqa: S101 (programming error)
        return access.scope(queryset, user=self.request.user, action=self.view_action, store_field=self.store_field)

    def store_id_of(self, row: Any) -> int | None:
        return row.pk if self.store_field == "pk" else getattr(row, f"{self.store_field}_id")

    def require(self, action: str, store: Any) -> None:
        """Refuse with a 403 unless the user may do `action` in `store` (a Store, its id, or None)."""
        if not access.can(self.request.user, action, store):
            raise exceptions.PermissionDenied(access.refusal(action))


class StoreRowListApi(StoreScopedMixin, ApiView):
    """A store's rows of one kind: GET lists them (?store= narrows), POST adds one to a store you own.

    Subclasses set `rows` (the access name: "location" asks "location.view", "location.add", ...), the
    queryset and serializers, and say how a row is created.
    """

    rows = ""
    is_list_api = True
    filterset_class = ByStoreFilter

    @property
    def view_action(self) -> str:  # type: ignore[override]
        return f"{self.rows}.view"

    def create(self, *, store: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def get(self, request: Request) -> Response:
        return self.filtered_page()

    def post(self, request: Request) -> Response:
        data = self.validated_input()
        store = data.pop("store")
        self.require(f"{self.rows}.add", store)
        return self.output(self.create(store=store, data=data), status=201)


class StoreRowDetailApi(StoreScopedMixin, ApiView):
    """One of a store's rows: GET reads it, PATCH changes it, DELETE removes it (owners and staff who may).

    Subclasses set `rows`, the queryset and serializers and say how a row is changed and removed.
    """

    rows = ""

    @property
    def view_action(self) -> str:  # type: ignore[override]
        return f"{self.rows}.view"

    def update(self, row: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def remove(self, row: Any) -> None:
        raise NotImplementedError

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())

    def patch(self, request: Request, pk: int) -> Response:
        row = self.get_object()
        self.require(f"{self.rows}.change", self.store_id_of(row))
        return self.output(self.update(row, self.validated_input(partial=True)))

    def delete(self, request: Request, pk: int) -> Response:
        row = self.get_object()
        self.require(f"{self.rows}.delete", self.store_id_of(row))
        self.remove(row)
        return Response(status=204)
