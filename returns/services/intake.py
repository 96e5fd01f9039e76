"""Return intake: neutral return / label events → Return, lines, shipments and the timeline.

Every write is version-guarded by the platform's own timestamp, so an older event never
overwrites a newer state; every function is safe to run twice (webhook redelivery, replay).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.inbound import (
    InboundReturnEvent,
    ReturnData,
    ReturnLineData,
)
from integrations.inbound_errors import WebhookRetryLater
from integrations.models import Connection, Store
from integrations.registry import provider_name
from returns.aging import aging_of, is_closed, is_delivered
from returns.models import Return, ReturnLine, ReturnShipment
from returns.routing import OrderLookup, order_lookup_needed
from returns.services.aging import return_aging_refresh
from returns.services.planning import ReturnContents
from returns.services.rmas.triggers import rmas_on_return_changed
from returns.services.routing import order_lookup_fetch
from returns.services.shipments import label_text, older_label_ignored, shipment_upsert
from returns.services.timeline import timeline_add, timeline_batch

_RETURN_FIELDS = (
    "order_name",
    "order_number",
    "platform_order_id",
    "provider_order_id",
    "customer_email",
    "customer_name",
    "state",
    "currency",
    "total",
    "outcome",
    "destination_id",
    "destination_address",
    "customer_country_code",
    "customer_region",
    "customer_postal_code",
    "order_tags",
    "return_method",
    "platform_created_at",
    "platform_updated_at",
)
_CANCELLED_STATES = {"cancelled", "canceled", "deleted", "rejected"}
_LINE_FIELDS = (  # what _sync_lines writes on a line (the keys of its `values`)
    "sku",
    "title",
    "quantity",
    "reason",
    "parent_reason",
    "reason_code",
    "customer_comment",
    "outcome",
    "external_line_ids",
    "destination_key",
)


def platform_label(platform: str) -> str:
    return provider_name(platform)


def _values(data: ReturnData) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in _RETURN_FIELDS}
    values["destination_address"] = dict(data.destination_address)
    values["order_tags"] = list(data.order_tags)
    # A field the payload left empty keeps what an earlier event told us.
    return {k: v for k, v in values.items() if v not in ("", None, {}, [])}


def rmas_notify(
    *,
    return_obj: Return,
    change: str,
    webhook_id: int | None,
    order_lookup: OrderLookup | None = None,
    contents: ReturnContents | None = None,
    routing_memo: dict | None = None,
) -> None:
    """Hand the change to RMA planning; test returns are planned too, and the push keeps them off live WMSs.

    Every caller holds return_obj under its row lock (or just inserted it) in the current
    transaction, with its store, and has saved it: planning uses it as it is, with the lines and
    shipments this transaction wrote (contents) and the order lookup the prepare step made before
    the transaction (planning makes no request under the lock)."""
    rmas_on_return_changed(
        return_obj=return_obj,
        change=change,
        webhook_id=webhook_id,
        locked=True,
        order_lookup=order_lookup,
        contents=contents,
        routing_memo=routing_memo,
    )


# -- before the transaction: what planning will need from the warehouses ----------------------


@dataclass(frozen=True)
class PreparedReturnEvent:
    """A return event with the WMSs' answer about its order, asked before any transaction."""

    event: InboundReturnEvent
    order_lookup: OrderLookup | None = None
    # What routing read to decide that no WMS needed asking (locations, rules, fulfilments), for planning to use
    # instead of reading it again; None when the WMSs were asked (their answer may have changed what it read).
    routing_memo: dict | None = None
    # The return was not there when prepared: the apply step inserts it without reading it first.
    absent: bool = False


def order_lookup_for(return_obj: Return, lines: Iterable[ReturnLine], memo: dict | None = None) -> OrderLookup | None:
    if return_obj.state in _CANCELLED_STATES or not return_obj.store.is_active:
        return None  # nothing will be planned
    if not order_lookup_needed(return_obj=return_obj, lines=lines, memo=memo):
        return None
    return order_lookup_fetch(return_obj=return_obj)


def return_event_prepare(*, connection: Connection, event: InboundReturnEvent) -> PreparedReturnEvent:
    """Ask the store's WMSs for the return's order when routing will need it (network: before any
    transaction). Reads the return as it is now, without a lock; the apply step re-reads it locked."""
    data = event.data
    existing: Return | None
    try:  # get(), not first(): the key is unique, and no ORDER BY to compile
        existing = Return.objects.get(
            store_id=connection.store_id, platform=data.platform, external_id=data.external_id
        )
    except Return.DoesNotExist:
        existing = None
    else:
        existing.store = connection.store  # the webhook's read joined it: no second copy to select and build
    return_obj = existing or Return(
        store=connection.store, platform=data.platform, external_id=data.external_id, is_test=data.is_test
    )
    for name, value in _values(data).items():
        setattr(return_obj, name, value)  # an unsaved copy: what the return will look like
    if data.lines:
        # What routing reads of a line: its destination, and what the store's routing rules match.
        lines: Iterable[ReturnLine] = [
            ReturnLine(
                sku=line.sku,
                quantity=line.quantity,
                destination_key=line.destination_key,
                reason=line.reason,
                parent_reason=line.parent_reason,
                reason_code=line.reason_code,
                outcome=line.outcome,
            )
            for line in data.lines
        ]
    else:
        lines = list(existing.lines.all()) if existing else []
    memo: dict = {}
    order_lookup = order_lookup_for(return_obj, lines, memo)
    return PreparedReturnEvent(
        event,
        order_lookup=order_lookup,
        routing_memo=memo if order_lookup is None else None,
        absent=existing is None,
    )


def return_lock(*, connection: Connection, platform: str, external_id: str) -> Return | None:
    """The return under its row lock (only its row: the store row stays free for other returns)."""
    return (
        Return.objects.select_for_update(of=("self",))
        .select_related("store")
        .filter(store_id=connection.store_id, platform=platform, external_id=external_id)
        .first()
    )


def _get_or_create_return(*, connection: Connection, data: ReturnData, absent: bool = False) -> tuple[Return, bool]:
    """The return under its row lock, created when new.

    get_or_create reads it FOR UPDATE, else inserts it in a savepoint; should another worker insert
    it first (two events of one new return), the unique constraint refuses ours and the row is read
    again, FOR UPDATE, once that worker commits. `absent` (the prepare step found no such return a
    moment ago, the usual case for a new return) skips the first read: the insert is tried at once,
    in its savepoint, and the same refusal sends a racing second event to get_or_create's locked read.
    A row inserted in this transaction is as good as locked: no other transaction sees it before commit."""
    is_test = data.is_test or connection.store.is_sandbox
    keys = {"store": connection.store, "platform": data.platform, "external_id": data.external_id}
    defaults = {
        "connection": connection,
        "is_test": is_test,
        **_values(data),
        **_new_return_aging(connection.store, data, is_test=is_test),
    }
    if absent:
        try:
            with transaction.atomic():
                return Return.objects.create(**keys, **defaults), True
        except IntegrityError:
            pass  # inserted since the prepare step looked: read it, locked, below
    return (
        Return.objects.select_for_update(of=("self",)).select_related("store").get_or_create(**keys, defaults=defaults)
    )


def _new_return_aging(store: Store, data: ReturnData, *, is_test: bool) -> dict[str, Any]:
    """A new return's wait (aging), from its payload alone: it has no RMA yet and its labels are the payload's,
    so the row is inserted with it and no query is added."""
    now = timezone.now()
    live = [s for s in data.shipments or () if not s.cancelled and (s.tracking_number or s.label_url)]
    delivered = [s.updated_at or now for s in live if is_delivered(s.status)]
    aging = aging_of(
        waits=not is_test,
        closed=is_closed(state=data.state, processed=False),
        receipt_at=None,
        delivered_at=min(delivered) if delivered else None,
        label_at=now if live else None,
        arrival_days=store.aging_arrival_days,
        close_days=store.aging_close_days,
    )
    return {"aging_stage": aging.stage, "aging_since": aging.since, "aging_due_at": aging.due_at}


def _sync_lines(
    *, return_obj: Return, lines: tuple[ReturnLineData, ...], created: bool = False
) -> tuple[bool, list[ReturnLine] | None]:
    """Upsert lines by key; lines gone from a newer payload are removed. Returns whether anything
    changed, and the return's lines as they now are (None when the payload says nothing about them,
    or the database did not give the new rows their ids): planning is handed these, not re-reading them.

    A return created in this transaction has no lines yet, so none are read.
    """
    if not lines:
        return False, None  # a payload without line items says nothing about them
    existing = {} if created else {line.line_key: line for line in return_obj.lines.all()}
    changed = False
    now = timezone.now()
    kept = []
    updated = []
    new_lines = []  # one INSERT for all new lines, not one per line
    for data in lines:
        values = {
            "sku": data.sku,
            "title": data.title,
            "quantity": data.quantity,
            "reason": data.reason,
            "parent_reason": data.parent_reason,
            "reason_code": data.reason_code,
            "customer_comment": data.customer_comment,
            "outcome": data.outcome,
            "external_line_ids": list(data.external_line_ids),
            "destination_key": data.destination_key,
        }
        line = existing.pop(data.line_key, None)
        if line is None:
            new_lines.append(ReturnLine(return_obj=return_obj, line_key=data.line_key, **values))
            changed = True
            continue
        if any(getattr(line, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(line, k, v)
            line.updated_at = now
            updated.append(line)
        kept.append(line)
    if existing:
        ReturnLine.objects.filter(pk__in=[line.pk for line in existing.values()]).delete()
        changed = True
    if updated:  # one UPDATE for all changed lines, not one per line
        ReturnLine.objects.bulk_update(updated, fields=[*_LINE_FIELDS, "updated_at"])
        changed = True
    if new_lines:
        ReturnLine.objects.bulk_create(new_lines)
    current = kept + new_lines
    if any(line.pk is None for line in current):  # bulk_create sets the ids on PostgreSQL and SQLite 3.35+
        return changed, None
    return changed, sorted(current, key=lambda line: line.pk)


# The services below run inside webhook_process's transaction (or their own, when called outside
# one). No savepoint, but for the one around a new return's insert (_get_or_create_return, whose
# refusal by the unique constraint is caught): nothing else in them catches an error, and
# webhook_process lets every error out of its transaction, which rolls back whole. (A caller that
# caught one of their errors inside its own transaction could not go on using that transaction:
# Django marks it for rollback.)
@transaction.atomic(savepoint=False)
def return_apply_event(
    *,
    connection: Connection,
    event: InboundReturnEvent,
    webhook_id: int | None,
    order_lookup: OrderLookup | None = None,
    routing_memo: dict | None = None,
    absent: bool = False,
) -> Return:
    """Upsert a return, its lines and shipments from a platform event (version-guarded), then plan RMAs.

    order_lookup, routing_memo and absent: from return_event_prepare, made before the caller's transaction opened.
    Its timeline entries ("return created", "RMA planned", ...) are written in one INSERT at the end."""
    with timeline_batch():
        return _return_apply_event(
            connection=connection,
            event=event,
            webhook_id=webhook_id,
            order_lookup=order_lookup,
            routing_memo=routing_memo,
            absent=absent,
        )


def _return_apply_event(
    *,
    connection: Connection,
    event: InboundReturnEvent,
    webhook_id: int | None,
    order_lookup: OrderLookup | None,
    routing_memo: dict | None,
    absent: bool,
) -> Return:
    data = event.data
    platform = platform_label(data.platform)
    return_obj, created = _get_or_create_return(connection=connection, data=data, absent=absent)
    incoming, current = data.platform_updated_at, return_obj.platform_updated_at
    if not created and incoming is not None and current is not None and incoming < current:
        timeline_add(
            return_obj=return_obj,
            kind="stale_update_ignored",
            message=f"Older {platform} update ignored ({incoming.isoformat()} < {current.isoformat()})",
            data={"reason": "older"},
            webhook_id=webhook_id,
        )
        return return_obj

    previous_state = return_obj.state
    changed = created
    if not created:
        values = _values(data)
        updates = {k: v for k, v in values.items() if getattr(return_obj, k) != v}
        if data.is_test and not return_obj.is_test:
            updates["is_test"] = True
        if updates:
            for k, v in updates.items():
                setattr(return_obj, k, v)
            return_obj.save()
            changed = True
    lines_changed, current_lines = _sync_lines(return_obj=return_obj, lines=data.lines, created=created)
    new_labels = []
    labels_changed = False
    known: dict[str, ReturnShipment] | None = {} if created else None
    for shipment_data in data.shipments or ():
        shipment, what = shipment_upsert(return_obj=return_obj, data=shipment_data, known=known)
        labels_changed = labels_changed or what in ("created", "updated")
        if what == "created":
            new_labels.append(shipment)
        elif what == "older":
            older_label_ignored(return_obj=return_obj, shipment=shipment, data=shipment_data, webhook_id=webhook_id)
    # What planning reads, when this transaction knows all of it: a new return's shipments are all here.
    contents = ReturnContents(
        lines=current_lines, shipments=sorted(known.values(), key=lambda s: s.pk) if known is not None else None
    )

    if created:
        suffix = " (test event: never sent to a live warehouse)" if return_obj.is_test else ""
        timeline_add(
            return_obj=return_obj,
            kind="return_created",
            message=f"Return created in {platform}{suffix}",
            data={"state": return_obj.state, "lines": len(data.lines)},
            webhook_id=webhook_id,
        )
    elif return_obj.state != previous_state:
        timeline_add(
            return_obj=return_obj,
            kind="return_state_changed",
            message=f"Return {return_obj.state} in {platform} (was {previous_state or 'unknown'})",
            webhook_id=webhook_id,
        )
    elif changed or lines_changed:
        timeline_add(
            return_obj=return_obj, kind="return_updated", message=f"Return updated in {platform}", webhook_id=webhook_id
        )
    for shipment in new_labels:
        timeline_add(
            return_obj=return_obj,
            kind="label_created",
            message=f"Label created: {label_text(shipment)}",
            data={"shipment_key": shipment.shipment_key},
            webhook_id=webhook_id,
        )

    if return_obj.state in _CANCELLED_STATES and previous_state not in _CANCELLED_STATES:
        rmas_notify(return_obj=return_obj, change="cancelled", webhook_id=webhook_id)
    elif created or changed or lines_changed:
        change = "created" if created else "updated"
        rmas_notify(
            return_obj=return_obj,
            change=change,
            webhook_id=webhook_id,
            order_lookup=order_lookup,
            contents=contents,
            routing_memo=routing_memo,
        )
    if new_labels:
        rmas_notify(
            return_obj=return_obj,
            change="label_created",
            webhook_id=webhook_id,
            order_lookup=order_lookup,
            contents=contents,
            routing_memo=routing_memo,
        )
    if not created and (labels_changed or return_obj.state != previous_state):
        # A new label, a delivery, a closed or cancelled return: where it waits changed (a new return's is inserted).
        return_aging_refresh(return_id=return_obj.pk)
    return return_obj


def return_require(*, connection: Connection, platform: str, external_id: str) -> Return:
    return_obj = return_lock(connection=connection, platform=platform, external_id=external_id)
    if return_obj is None:
        # Usually the return event is still in flight: retry shortly rather than lose the label.
        raise WebhookRetryLater(f"{platform_label(platform)} return {external_id} is not known yet")
    return return_obj
