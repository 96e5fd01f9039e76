"""REST API: stores, connections (secrets write-only; a "test" action) and inbound webhooks (read; "replay")."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiView, only_present
from integrations import filters
from integrations import serializers as s
from integrations.models import Connection, InboundWebhook, Store
from integrations.permissions import StoreScopedMixin, user_is_staff
from integrations.services.stores import CONNECTION_FIELDS, STORE_FIELDS


class StoreListApi(StoreScopedMixin, ApiView):
    """List the stores you can see; staff create stores."""

    queryset = Store.objects.all()
    store_field = "pk"
    is_list_api = True
    InputSerializer = s.StoreInputSerializer
    OutputSerializer = s.StoreOutputSerializer
    filterset_class = filters.StoreFilter

    def get(self, request: Request) -> Response:
        """List the stores you can see."""
        return self.filtered_page()

    def post(self, request: Request) -> Response:
        """Create a store (staff only)."""
        from integrations.services.stores import store_create

        if not user_is_staff(request.user):
            raise exceptions.PermissionDenied("Only staff create stores.")
        data = self.validated_input()
        store = store_create(name=data.pop("name"), owner=request.user, **data)
        return self.output(store, status=201)


class StoreDetailApi(StoreScopedMixin, ApiView):
    """Read or change one store."""

    queryset = Store.objects.all()
    store_field = "pk"
    InputSerializer = s.StoreInputSerializer
    OutputSerializer = s.StoreOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())

    def patch(self, request: Request, pk: int) -> Response:
        from integrations.services.stores import store_update

        store = self.get_object()
        data = only_present(self.validated_input(partial=True), STORE_FIELDS)
        return self.output(store_update(store=store, data=data))


class ConnectionListApi(StoreScopedMixin, ApiView):
    """List connections; create one in a store you belong to."""

    queryset = Connection.objects.select_related("store")
    is_list_api = True
    InputSerializer = s.ConnectionCreateSerializer
    OutputSerializer = s.ConnectionOutputSerializer
    filterset_class = filters.ConnectionFilter

    def get(self, request: Request) -> Response:
        """List connections in your stores."""
        return self.filtered_page()

    def post(self, request: Request) -> Response:
        """Create a connection in one of your stores; secrets are write-only."""
        from integrations.services.stores import connection_create

        data, secrets = s.split_connection_input(self.validated_input())
        store, provider = data.pop("store"), data.pop("provider")
        connection = connection_create(store=store, provider=provider, data=data, secrets=secrets)
        return self.output(connection, status=201)


class ConnectionDetailApi(StoreScopedMixin, ApiView):
    """Read or change one connection; secrets are set when given and never read back."""

    queryset = Connection.objects.select_related("store")
    InputSerializer = s.ConnectionUpdateSerializer
    OutputSerializer = s.ConnectionOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())

    def patch(self, request: Request, pk: int) -> Response:
        from integrations.services.stores import connection_update

        connection = self.get_object()
        data, secrets = s.split_connection_input(self.validated_input(partial=True))
        connection = connection_update(
            connection=connection,
            data=only_present(data, CONNECTION_FIELDS),
            secrets=secrets,
            by_operator=user_is_staff(request.user),
        )
        return self.output(connection)


class ConnectionTestApi(StoreScopedMixin, ApiView):
    """Check a connection's credentials against its provider."""

    queryset = Connection.objects.select_related("store")
    OutputSerializer = s.ConnectionTestOutputSerializer

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        from integrations.services.connections import connection_test

        result = connection_test(connection=self.get_object())
        return self.output({"ok": bool(result.ok), "message": str(result.message or "")})


class WebhookListApi(StoreScopedMixin, ApiView):
    """List inbound webhooks (staff also see those that matched no store)."""

    queryset = InboundWebhook.objects.all()
    is_list_api = True
    OutputSerializer = s.WebhookOutputSerializer
    filterset_class = filters.WebhookFilter

    def get(self, request: Request) -> Response:
        """List inbound webhooks."""
        return self.filtered_page()


class WebhookDetailApi(StoreScopedMixin, ApiView):
    """Read one inbound webhook."""

    queryset = InboundWebhook.objects.all()
    OutputSerializer = s.WebhookOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())


class WebhookReplayApi(StoreScopedMixin, ApiView):
    """Process a stored webhook again."""

    queryset = InboundWebhook.objects.all()
    OutputSerializer = s.WebhookOutputSerializer

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        from integrations.services.webhooks import webhook_replay

        webhook = self.get_object()
        webhook_replay(webhook_id=webhook.pk)
        webhook.refresh_from_db()
        return self.output(webhook)
