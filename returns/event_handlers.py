"""How returns takes what integrations receives: its handlers for the neutral inbound events and hooks.

Registered with integrations.handlers in ReturnsConfig.ready, so integrations never imports
returns' services. Each `prepare` runs before any transaction (it may call a provider: the WMS
order lookup for routing, the platform's shipment details); each `apply` runs in the webhook's
processing transaction and makes no request. They call the services through their modules
(intake.return_apply_event, labels.return_label_apply), so a test that replaces a service replaces it here too.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from integrations.handlers import (
    connection_activated,
    inbound_event_handler_register,
    store_aging_changed,
    store_created,
    store_digest_lines,
    webhook_duplicate_ignored,
    webhook_replayed,
)
from integrations.inbound import (
    InboundLabelEvent,
    InboundLabelRequestEvent,
    InboundReturnEvent,
    InboundShipmentLookupEvent,
    InboundWarehouseReturnEvent,
)
from integrations.models import Connection, InboundWebhook, Store
from integrations.registry import get_returns_platform_client
from returns.selectors import overdue_counts, return_for_webhook, timeline_entry_exists
from returns.services import intake, labels, warehouse_events
from returns.services.aging import store_aging_retime
from returns.services.intake import PreparedReturnEvent
from returns.services.labels import PreparedLabelEvent
from returns.services.outcomes import returns_platform_requeue_for_connection
from returns.services.rmas.sweeps import rmas_requeue_for_connection
from returns.services.status_mappings import status_mappings_ensure
from returns.services.timeline import timeline_add


def _return_apply(*, connection: Connection, prepared: PreparedReturnEvent, webhook_id: int | None) -> str:
    intake.return_apply_event(
        connection=connection,
        event=prepared.event,
        webhook_id=webhook_id,
        order_lookup=prepared.order_lookup,
        routing_memo=prepared.routing_memo,
        absent=prepared.absent,
    )
    return ""


def _label_apply(*, connection: Connection, prepared: PreparedLabelEvent, webhook_id: int | None) -> str:
    labels.return_label_apply(
        connection=connection, event=prepared.event, webhook_id=webhook_id, order_lookup=prepared.order_lookup
    )
    return ""


def _return_prepare(*, connection: Connection, event: InboundReturnEvent) -> PreparedReturnEvent:
    return intake.return_event_prepare(connection=connection, event=event)


def _label_prepare(*, connection: Connection, event: InboundLabelEvent) -> PreparedLabelEvent:
    return labels.return_label_prepare(connection=connection, event=event)


def _warehouse_prepare(
    *, connection: Connection, event: InboundWarehouseReturnEvent
) -> warehouse_events.PreparedWarehouseEvent:
    return warehouse_events.rma_warehouse_event_prepare(connection=connection, event=event)


def _warehouse_apply(
    *, connection: Connection, prepared: warehouse_events.PreparedWarehouseEvent, webhook_id: int | None
) -> str:
    return warehouse_events.rma_warehouse_event_apply(connection=connection, prepared=prepared, webhook_id=webhook_id)


def _label_request_apply(*, connection: Connection, prepared: InboundLabelRequestEvent, webhook_id: int | None) -> str:
    labels.return_label_request_apply(connection=connection, event=prepared, webhook_id=webhook_id)
    return ""


@dataclass(frozen=True)
class _ShipmentLabels:
    labels: tuple[PreparedLabelEvent, ...]


def _shipment_labels_prepare(*, connection: Connection, event: InboundShipmentLookupEvent) -> _ShipmentLabels:
    """The event names only a shipment: the platform's client fetches it as label events."""
    completed = get_returns_platform_client(connection=connection).inbound_event_enrich(event=event)
    return _ShipmentLabels(
        tuple(
            labels.return_label_prepare(connection=connection, event=label)
            for label in completed
            if isinstance(label, InboundLabelEvent)
        )
    )


def _shipment_labels_apply(*, connection: Connection, prepared: _ShipmentLabels, webhook_id: int | None) -> str:
    for label in prepared.labels:
        _label_apply(connection=connection, prepared=label, webhook_id=webhook_id)
    return ""


def _store_created(*, store: Store) -> None:
    # The default warehouse-outcome mappings exist from the start, so support sees and edits them.
    status_mappings_ensure(store_id=store.pk)


def _store_aging_changed(*, store: Store) -> None:
    store_aging_retime(store_id=store.pk)


def _digest_lines(*, store: Store) -> list[str]:
    """Every digest email counts the store's overdue returns, whatever it is about."""
    counts = overdue_counts(now=timezone.now(), store_id=store.pk)
    total = counts["arrival"] + counts["close"]
    if not total:
        return []
    url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("setup:returns", kwargs={"slug": store.slug})
    return [
        f"Overdue returns now: {total} ({counts['arrival']} not at the warehouse "
        f"{store.aging_arrival_days} days after the label or since delivery, {counts['close']} received "
        f"{store.aging_close_days} days ago and not closed on the platform): {url}?state=overdue"
    ]


def _connection_activated(*, connection: Connection) -> None:
    rmas_requeue_for_connection(connection_id=connection.pk)
    returns_platform_requeue_for_connection(connection_id=connection.pk)


def _webhook_replayed(*, webhook: InboundWebhook) -> None:
    return_obj = return_for_webhook(webhook=webhook)
    if return_obj is not None:
        timeline_add(
            return_obj=return_obj,
            kind="webhook_replayed",
            message=f"Webhook #{webhook.pk} replayed by support",
            webhook_id=webhook.pk,
        )


def _webhook_duplicate_ignored(*, webhook: InboundWebhook, original: InboundWebhook) -> None:
    """A duplicate delivery: said once on the timeline of the return its original was about."""
    return_obj = return_for_webhook(webhook=original)
    if return_obj is None or timeline_entry_exists(webhook_id=webhook.pk, kind="duplicate_event_ignored"):
        return
    timeline_add(
        return_obj=return_obj,
        kind="duplicate_event_ignored",
        message=f"Duplicate delivery ignored: the same {webhook.event_type or 'event'} as webhook #{original.pk} "
        f"({original.get_status_display().lower()})",
        data={"reason": "duplicate", "duplicate_of": original.pk},
        webhook_id=webhook.pk,
    )


def register() -> None:
    """Tell integrations which returns service takes each event and hook."""
    inbound_event_handler_register(InboundReturnEvent, prepare=_return_prepare, apply=_return_apply)
    inbound_event_handler_register(InboundLabelEvent, prepare=_label_prepare, apply=_label_apply)
    inbound_event_handler_register(InboundLabelRequestEvent, apply=_label_request_apply)
    inbound_event_handler_register(
        InboundShipmentLookupEvent, prepare=_shipment_labels_prepare, apply=_shipment_labels_apply
    )
    inbound_event_handler_register(InboundWarehouseReturnEvent, prepare=_warehouse_prepare, apply=_warehouse_apply)
    store_created.register(_store_created)
    store_aging_changed.register(_store_aging_changed)
    store_digest_lines.register(_digest_lines)
    connection_activated.register(_connection_activated)
    webhook_replayed.register(_webhook_replayed)
    webhook_duplicate_ignored.register(_webhook_duplicate_ignored)
