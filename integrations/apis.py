"""REST API: stores (a "go-live" action), connections (secrets write-only; "test", "pause", "resume") and inbound
webhooks (read; "replay"). Who may do what is integrations.access (docs/security.md): members read and test, owners
change and act, staff as their model permissions say. State a service owns (a connection's status) is never a field."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiView, only_present
from integrations import access, filters
from integrations import serializers as s
from integrations.models import Connection, InboundWebhook, Store
from integrations.permissions import StoreScopedMixin
from integrations.services.stores import CONNECTION_FIELDS, STORE_FIELDS


class StoreListApi(StoreScopedMixin, ApiView):
    """List the stores you can see; staff create stores."""

    queryset = Store.objects.all()
    store_field = "pk"
    view_action = "store.view"
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

        if not access.can(request.user, "store.add"):
            raise exceptions.PermissionDenied("Only Backhaul support creates stores.")
        data = self.validated_input()
        store = store_create(name=data.pop("name"), owner=request.user, **data)
        return self.output(store, status=201)


class StoreDetailApi(StoreScopedMixin, ApiView):
    """Read or change one store."""

    queryset = Store.objects.all()
    store_field = "pk"
    view_action = "store.view"
    InputSerializer = s.StoreInputSerializer
    OutputSerializer = s.StoreOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())

    def patch(self, request: Request, pk: int) -> Response:
        from integrations.services.stores import STORE_SUPPORT_FIELDS, store_update

        store = self.get_object()
        self.require("store.change", store)
        data = only_present(self.validated_input(partial=True), STORE_FIELDS)
        support_fields = sorted(set(data) & set(STORE_SUPPORT_FIELDS))
        if support_fields and not access.can(request.user, "store.support_fields", store):
            raise exceptions.ValidationError(
                dict.fromkeys(support_fields, ["Only Backhaul support changes this; ask support."])
            )
        return self.output(store_update(store=store, data=data))


class StoreGoLiveApi(StoreScopedMixin, ApiView):
    """Take the store live: the setup wizard's checks, then its draft and paused connections become active."""

    queryset = Store.objects.all()
    store_field = "pk"
    view_action = "store.view"
    OutputSerializer = s.GoLiveOutputSerializer

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        from integrations.wizard.services import store_go_live

        store = self.get_object()
        self.require("store.go_live", store)
        changed = store_go_live(store=store)  # refuses (400) with what must be done first
        message = "Now live: " + ", ".join(c.display_name for c in changed) if changed else "Already live."
        return self.output({"activated": [c.pk for c in changed], "message": message})


class ConnectionListApi(StoreScopedMixin, ApiView):
    """List connections; create one in a store you belong to."""

    queryset = Connection.objects.select_related("store")
    view_action = "connection.view"
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
        self.require("connection.add", store)
        connection = connection_create(store=store, provider=provider, data=data, secrets=secrets)
        return self.output(connection, status=201)


class ConnectionDetailApi(StoreScopedMixin, ApiView):
    """Read or change one connection; secrets are set when given and never read back."""

    queryset = Connection.objects.select_related("store")
    view_action = "connection.view"
    InputSerializer = s.ConnectionUpdateSerializer
    OutputSerializer = s.ConnectionOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())

    def patch(self, request: Request, pk: int) -> Response:
        from integrations.services.stores import connection_update

        connection = self.get_object()
        self.require("connection.change", connection.store_id)
        data, secrets = s.split_connection_input(self.validated_input(partial=True))
        connection = connection_update(
            connection=connection,
            data=only_present(data, CONNECTION_FIELDS),
            secrets=secrets,
            by_operator=access.staff_may(request.user, "connection.change"),
        )
        return self.output(connection)


class ConnectionTestApi(StoreScopedMixin, ApiView):
    """Check a connection's credentials against its provider."""

    queryset = Connection.objects.select_related("store")
    view_action = "connection.view"
    OutputSerializer = s.ConnectionTestOutputSerializer

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        from integrations.services.connections import connection_test

        connection = self.get_object()
        self.require("connection.test", connection.store_id)
        result = connection_test(connection=connection)
        return self.output({"ok": bool(result.ok), "message": str(result.message or "")})


class ConnectionPauseApi(StoreScopedMixin, ApiView):
    """Pause a live connection: pushes to it wait until it is resumed (a paused one stays paused)."""

    queryset = Connection.objects.select_related("store")
    view_action = "connection.view"
    OutputSerializer = s.ConnectionOutputSerializer

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        from integrations.services.connections import connection_pause_checked

        connection = self.get_object()
        self.require("connection.pause", connection.store_id)
        return self.output(connection_pause_checked(connection=connection, by=request.user.get_username()))


class ConnectionResumeApi(StoreScopedMixin, ApiView):
    """Resume a paused connection and queue what waited; refused, saying what to do, while its circuit breaker
    is open or its credentials were rejected (those resume by themselves once the cause is fixed)."""

    queryset = Connection.objects.select_related("store")
    view_action = "connection.view"
    OutputSerializer = s.ConnectionOutputSerializer

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        from integrations.services.connections import connection_resume_checked

        connection = self.get_object()
        self.require("connection.resume", connection.store_id)
        return self.output(connection_resume_checked(connection=connection))


class WebhookListApi(StoreScopedMixin, ApiView):
    """List inbound webhooks (staff also see those that matched no store)."""

    queryset = InboundWebhook.objects.all()
    view_action = "webhook.view"
    is_list_api = True
    OutputSerializer = s.WebhookOutputSerializer
    filterset_class = filters.WebhookFilter

    def get(self, request: Request) -> Response:
        """List inbound webhooks."""
        return self.filtered_page()


class WebhookDetailApi(StoreScopedMixin, ApiView):
    """Read one inbound webhook."""

    queryset = InboundWebhook.objects.all()
    view_action = "webhook.view"
    OutputSerializer = s.WebhookOutputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.get_object())


class WebhookReplayApi(StoreScopedMixin, ApiView):
    """Process a stored webhook again."""

    queryset = InboundWebhook.objects.all()
    view_action = "webhook.view"
    OutputSerializer = s.WebhookOutputSerializer

    @extend_schema(request=None)
    def post(self, request: Request, pk: int) -> Response:
        from integrations.services.webhooks import webhook_replay

        webhook = self.get_object()
        self.require("webhook.replay", webhook.store_id)
        webhook_replay(webhook_id=webhook.pk)
        webhook.refresh_from_db()
        return self.output(webhook)
