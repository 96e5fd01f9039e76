"""Inbound webhooks: verify, store every request as one row, dedupe in the database, process in a worker, replay, sweep.

The endpoint runs outside any request transaction (the view is non-atomic): every request is
stored as one row, forged or garbage posts included (kept for forensics, with a prefix of their
body), and the task is published only after that row is committed. Refused requests past their
source's or endpoint's rate limit are counted per hour instead (integrations/services/refusals.py).

Processing hands each neutral event to the app that owns its models through the handler table
(integrations/handlers.py): first every handler's `prepare`, outside any transaction (provider
calls happen there, and their ApiCall rows commit on their own), then every `apply` in one
transaction under the webhook's row lock. No request is made while that lock is held.
"""

import contextlib
import datetime as dt
import ipaddress
import logging
import re
import time
import traceback as tb
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db import connection as django_connection
from django.db.models import CharField, Q, QuerySet, TextField
from django.utils import timezone

from config import metrics
from config.exceptions import ApplicationError
from config.publishing import task_publish
from integrations.dto_fitting import cut_lengths
from integrations.exceptions import ProviderTransientError
from integrations.fitting import cut_text, storable_text
from integrations.handlers import (
    InboundEventHandler,
    inbound_event_handler,
    webhook_duplicate_ignored,
    webhook_replayed,
)
from integrations.inbound import IgnoredEvent, InboundConnectionHealthEvent
from integrations.inbound_errors import WebhookParseError, WebhookRetryLater
from integrations.models import Connection, InboundWebhook
from integrations.payload_values import content_key
from integrations.registry import UnknownProvider, get_webhook_handler, is_provider
from integrations.services.refusals import endpoint_key, refusal_count, refusal_limited, refused_body, source_key

logger = logging.getLogger(__name__)

Status = InboundWebhook.Status
Verification = InboundWebhook.Verification

# Never stored: a Redo bearer token or ShipMonk Basic password would sit in the table in clear.
_REDACTED_HEADERS = {"authorization", "proxy-authorization", "cookie"}
# Connection.last_webhook_at is a health signal: rewriting it more often than this only adds writes.
LAST_WEBHOOK_AT_PRECISION = dt.timedelta(seconds=60)
# A header value is stored up to this many characters (servers refuse much longer lines anyway).
HEADER_VALUE_KEPT_CHARS = 4096
# Endpoint tokens are secrets.token_urlsafe(32). A path segment of another shape names no
# connection, so it is not looked up: a NUL or a 10 kB segment never reaches a query.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")
# max_length of every text column of the row (None: unbounded), for _fitted_row.
_TEXT_COLUMNS = {
    f.name: f.max_length for f in InboundWebhook._meta.concrete_fields if isinstance(f, CharField | TextField)
}


@dataclass(frozen=True)
class ReceiveResult:
    status_code: int
    message: str
    # None for a refused request past its rate limit: counted (RefusedWebhookCount), not stored.
    webhook: InboundWebhook | None
    retry_after: int | None = None


def _stored_headers(headers: Mapping[str, str], truncated: dict[str, int]) -> dict[str, str]:
    stored = {}
    for key, value in headers.items():
        name, value = cut_text(str(key), 200), str(value)
        if name.lower() in _REDACTED_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme[:40]} [redacted]".strip()
        if len(value) > HEADER_VALUE_KEPT_CHARS:
            truncated[f"headers.{name}"] = len(value)
        stored[name] = cut_text(value, HEADER_VALUE_KEPT_CHARS)
    return stored


def _client_address(value: str | None) -> str | None:
    """REMOTE_ADDR as stored (an inet column on PostgreSQL): None when it is not an IP address."""
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None


# The connection's columns a delivery is checked against (the signature schemes' secrets and their rotation).
RECEIVE_FIELDS = (
    "store_id",
    "provider",
    "endpoint_token",
    "last_webhook_at",
    "webhook_secret",
    "previous_webhook_secret",
    "previous_webhook_secret_expires_at",
    "webhook_username",
    "webhook_password",
    "previous_webhook_password",
    "previous_webhook_password_expires_at",
)


def _connection_for(*, provider: str, endpoint_token: str) -> Connection | None:
    if not is_provider(provider) or not _TOKEN_SHAPE.fullmatch(endpoint_token):
        return None
    # get(), not first(): the token is unique, and an ORDER BY costs a compile on every request. Only what
    # receiving reads: every other column (the API credentials) would be fetched and decrypted for nothing.
    try:
        return Connection.objects.only(*RECEIVE_FIELDS).get(endpoint_token=endpoint_token, provider=provider)
    except Connection.DoesNotExist:
        return None


def _update(webhook: InboundWebhook, **fields: Any) -> None:
    """Write fields with one UPDATE (no save() race with a worker) and mirror them on the instance."""
    fields.setdefault("updated_at", timezone.now())
    fields = {name: storable_text(value) if isinstance(value, str) else value for name, value in fields.items()}
    InboundWebhook.objects.filter(pk=webhook.pk).update(**fields)
    for name, value in fields.items():
        setattr(webhook, name, value)


def webhook_receive(
    *,
    provider: str,
    endpoint_token: str,
    headers: Mapping[str, str],
    body: bytes,
    remote_addr: str | None,
    method: str = "POST",
    body_length: int | None = None,
) -> ReceiveResult:
    """Verify, dedupe and queue one delivery, storing it as one row whatever the outcome; the answer
    tells the view what to send: 2xx, or 400, 401, 404, 405, 413 or 429 with a one-line reason.

    A request refused before it is verified (405, 413, 404, 401) is stored with only a prefix of
    its body, and past its source's or endpoint's rate limit answered 429 and counted instead
    (integrations/services/refusals.py). remote_addr is the client's address (config/client_ip.py).

    Verification and parsing are pure computation on the request, so the row is written once,
    already carrying its outcome: one INSERT for an accepted delivery (it takes the dedupe key),
    instead of an INSERT then UPDATEs. A verifier or parser that raises unexpectedly still leaves
    the request stored (failed, with the traceback) and answered 401 or 400. body_length is the
    body's true length when the caller kept only part of it (the view reads at most
    WEBHOOK_MAX_BODY_BYTES + 1 bytes, none when Content-Length is already over it).
    """
    now = timezone.now()
    truncated: dict[str, int] = {}
    true_length = len(body) if body_length is None else body_length
    connection = _connection_for(provider=provider, endpoint_token=endpoint_token)
    raw = {
        "connection": connection,
        "store_id": connection.store_id if connection else None,
        "provider": provider,
        "endpoint_token": endpoint_token,
        "method": method,
        "remote_addr": _client_address(remote_addr),
        "headers": _stored_headers(headers, truncated),
        "body": body,
        "body_length": true_length,
        "truncated": truncated,
    }
    rejected = {"status": Status.REJECTED, "verification": Verification.INVALID}
    if method != "POST":
        reason = f"method {cut_text(method, 10)} not allowed: POST only"
        return _refuse(raw, 405, reason, **rejected, verification_reason=reason)
    if true_length > settings.WEBHOOK_MAX_BODY_BYTES:
        reason = f"body too large: {true_length} bytes, at most {settings.WEBHOOK_MAX_BODY_BYTES}"
        return _refuse(raw, 413, reason, **rejected, verification_reason=reason)
    if connection is None:
        return _refuse(raw, 404, "unknown endpoint", **rejected, verification_reason="unknown endpoint")
    try:
        handler = get_webhook_handler(provider)
    except UnknownProvider:
        return _refuse(raw, 404, "unknown endpoint", **rejected, verification_reason="unknown provider")

    try:
        result = handler.verify(connection=connection, headers=headers, body=body, now=now)
    except Exception as exc:  # a verifier bug on hostile input: kept for support, never a 500
        crash = {"status": Status.FAILED, "error": _error_text(exc), "traceback": tb.format_exc()}
        return _refuse(raw, 401, "unauthorized: the request could not be verified", **crash)
    if not result.ok:
        return _refuse(raw, 401, "unauthorized", **rejected, verification_reason=result.reason)
    verified = {"verification": Verification.VALID, "verification_reason": result.reason}
    try:
        events = handler.parse(headers=headers, body=body)
        if not events:
            raise WebhookParseError("no event in the body")
    except WebhookParseError as exc:
        reason = _one_line(exc) or "unknown payload shape"
        return ReceiveResult(400, reason, _store(raw, **verified, status=Status.REJECTED, error=reason))
    except Exception as exc:  # a parser bug on this payload: kept with its traceback (replayable once fixed)
        failed = _store(raw, **verified, status=Status.FAILED, error=_error_text(exc), traceback=tb.format_exc())
        return ReceiveResult(400, f"payload could not be read ({type(exc).__name__})", failed)
    # Health only: a verified delivery proves the provider can reach us. Kept fresh to the minute,
    # so a burst of deliveries does not rewrite (and lock) the same connection row every time.
    if connection.last_webhook_at is None or now - connection.last_webhook_at > LAST_WEBHOOK_AT_PRECISION:
        Connection.objects.filter(pk=connection.pk).update(last_webhook_at=now)

    for index, event in enumerate(events):
        truncated.update({f"events[{index}].{path}": length for path, length in cut_lengths(event).items()})
    event_types = ",".join(dict.fromkeys(e.event_type for e in events))
    described = {**verified, "event_type": event_types, "external_event_id": events[0].external_event_id}
    if all(e.ignored for e in events):
        reasons = "; ".join(e.payload.reason for e in events if isinstance(e.payload, IgnoredEvent))
        ignored = _store(raw, **described, status=Status.IGNORED, error=reasons[:500], processed_at=now)
        return ReceiveResult(200, "ignored", ignored)

    keys = list(dict.fromkeys(e.dedupe_key for e in events))
    dedupe_key = keys[0] if len(keys) == 1 else content_key(*keys)
    return _claim(raw=raw, fields=described, connection_id=connection.pk, dedupe_key=dedupe_key)


def _refuse(raw: dict[str, Any], status_code: int, message: str, **fields: Any) -> ReceiveResult:
    """A request refused before verification: stored with a prefix of its body while its source and
    endpoint are within their limits, else answered 429 and counted for the hour."""
    source = source_key(raw["remote_addr"])
    limited = refusal_limited(source=source, endpoint=endpoint_key(raw["connection"]))
    if limited is None:
        return ReceiveResult(status_code, message, _store(refused_body(raw), **fields))
    reason = fields.get("verification_reason") or fields.get("error") or message
    refusal_count(limited=limited, raw=raw, source=source, status_code=status_code, reason=reason)
    return ReceiveResult(429, limited.message, None, retry_after=limited.retry_after)


def _one_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc).strip() else ""


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _fitted_row(values: dict[str, Any]) -> dict[str, Any]:
    """The row's values made to fit its columns (NUL and lone surrogates shown as U+FFFD, text cut
    to max_length), each cut noted with its true length in `truncated`."""
    fitted = dict(values)
    truncated = dict(values.get("truncated") or {})
    for name, value in values.items():
        if name not in _TEXT_COLUMNS or not isinstance(value, str):
            continue
        limit = _TEXT_COLUMNS[name]
        if limit is not None and len(value) > limit:
            truncated.setdefault(name, len(value))
        fitted[name] = cut_text(value, limit) if limit is not None else storable_text(value)
    fitted["truncated"] = truncated
    return fitted


def _store(raw: dict[str, Any], **fields: Any) -> InboundWebhook:
    return InboundWebhook.objects.create(**_fitted_row({**raw, **fields}))


def _claim(*, raw: dict[str, Any], fields: dict[str, Any], connection_id: int, dedupe_key: str) -> ReceiveResult:
    """The first delivery takes the dedupe key (unique per connection) as it is inserted; a later
    one is stored pointing at it."""
    try:
        # A savepoint only inside a caller's transaction: the endpoint runs in autocommit, where
        # a refused INSERT leaves nothing behind, and BEGIN/COMMIT would be two more round trips.
        with transaction.atomic() if django_connection.in_atomic_block else contextlib.nullcontext():
            webhook = _store(raw, **fields, dedupe_key=dedupe_key, status=Status.PENDING)
    except IntegrityError as exc:
        # The unique constraint only fires once the first row is committed, so it is readable now.
        original = InboundWebhook.objects.filter(connection_id=connection_id, dedupe_key=dedupe_key).first()
        if original is None:
            # No first delivery holds the key, so the foreign key refused the row: the connection
            # was deleted while this request was in flight. Kept without it, answered as unknown.
            gone = {**raw, "connection": None, "store_id": None}
            kept = _store(gone, **fields, status=Status.REJECTED, error=_error_text(exc))
            return ReceiveResult(404, "unknown endpoint", kept)
    else:
        transaction.on_commit(lambda: webhook_publish(webhook_id=webhook.pk))
        return ReceiveResult(202, "accepted", webhook)
    duplicate = _store(raw, **fields, status=Status.DUPLICATE, duplicate_of=original)
    transaction.on_commit(lambda: _duplicate_note_publish(webhook_id=duplicate.pk))
    if original.status == Status.FAILED:
        # Dedupe on "processed", not on "received": a redelivery of a failed event runs it again.
        _requeue(webhook_id=original.pk, from_statuses=(Status.FAILED,))
        return ReceiveResult(202, "redelivery of a failed event: queued again", duplicate)
    return ReceiveResult(200, "duplicate", duplicate)


def _duplicate_note_publish(*, webhook_id: int) -> None:
    """Have a worker say on the timeline that this duplicate was ignored (never in the request: the note
    waits for the original's processing, which may hold the return's row lock)."""
    # A broker that is down loses only the note: the duplicate itself stays stored.
    task_publish("integrations.tasks.webhook_duplicate_note", webhook_id)


class OriginalNotDoneYet(Exception):
    """A duplicate's original is still pending: its timeline is not written yet."""


def webhook_duplicate_note(*, webhook_id: int) -> str:
    """Once the original of a stored duplicate is processed, let the owning app note the duplicate on the
    timeline of what the original was about (webhook_duplicate_ignored); raises OriginalNotDoneYet before."""
    duplicate = InboundWebhook.objects.select_related("duplicate_of").filter(pk=webhook_id).first()
    if duplicate is None or duplicate.status != Status.DUPLICATE or duplicate.duplicate_of is None:
        return "nothing to note"
    original = duplicate.duplicate_of
    if original.status in (Status.PENDING, Status.PROCESSING, Status.RECEIVED):
        raise OriginalNotDoneYet(f"webhook {original.pk} is {original.status}")
    webhook_duplicate_ignored.run(webhook=duplicate, original=original)
    return "noted"


def _requeue(*, webhook_id: int, from_statuses: tuple[str, ...]) -> bool:
    """Move a row back to pending (only from the given statuses) and publish after commit."""
    with transaction.atomic():
        moved = InboundWebhook.objects.filter(pk=webhook_id, status__in=from_statuses).update(
            status=Status.PENDING, error="", traceback="", updated_at=timezone.now()
        )
        if moved:
            transaction.on_commit(lambda: webhook_publish(webhook_id=webhook_id))
    return bool(moved)


def webhook_publish(*, webhook_id: int) -> bool:
    """Publish the processing task; a broker outage is logged and left to the sweeper, never raised.

    Nothing is written here: a pending row is re-published by the sweeper once it is older than
    the grace period, whether or not this publish happened, so recording it would only cost
    every webhook a second write. The sweeper records its own re-publishes (published_at)."""
    # A broker that is down leaves the row pending, and the sweeper re-publishes it.
    return task_publish("integrations.tasks.webhook_process", webhook_id)


def _first_or_none(rows: QuerySet[InboundWebhook]) -> InboundWebhook | None:
    """The one row a primary-key query finds, else None."""
    try:
        return rows.get()
    except InboundWebhook.DoesNotExist:
        return None


def webhook_process(*, webhook_id: int, final_attempt: bool = True) -> str:
    """Prepare one pending webhook's events (provider calls, no transaction), then apply them under the
    webhook's row lock; the status change commits with the effects. Its time is a metric once it did work."""
    started = time.monotonic()
    status = _webhook_process(webhook_id=webhook_id, final_attempt=final_attempt)
    if isinstance(status, tuple):
        provider, status = status
        metrics.webhook_processing_seconds.labels(provider).observe(time.monotonic() - started)
    return status


def _webhook_process(*, webhook_id: int, final_attempt: bool) -> str | tuple[str, str]:
    """webhook_process's work: "skipped", or (the webhook's provider, its new status)."""
    provider = "unknown"
    try:
        # get(), not first(): no ORDER BY to compile for a primary key.
        webhook = _first_or_none(InboundWebhook.objects.select_related("connection__store").filter(pk=webhook_id))
        # Already done (or never verified): nothing to do, and no request made for it.
        if webhook is None or webhook.status != Status.PENDING or webhook.connection is None:
            return "skipped"
        provider, connection = webhook.provider, webhook.connection
        events = get_webhook_handler(webhook.provider).parse(headers=webhook.headers, body=bytes(webhook.body))
        handled = [e for e in events if not e.ignored]
        prepared = [_prepare(connection=connection, payload=e.payload) for e in handled]
        with transaction.atomic():
            # Locked by another worker (a sweeper re-publish) or finished meanwhile: nothing to do.
            # FOR NO KEY UPDATE: storing a duplicate takes FOR KEY SHARE on this row (the check of its
            # duplicate_of key, run as it commits), and FOR UPDATE ... SKIP LOCKED would skip the
            # original meanwhile: during a duplicate storm it then waited for the sweeper.
            locked = _first_or_none(
                InboundWebhook.objects.select_for_update(no_key=True, skip_locked=True)
                .filter(pk=webhook_id, status=Status.PENDING)
                .only("attempts")
            )
            if locked is None:
                return "skipped"
            notes = [
                note
                for handler, value in prepared
                if (note := handler.apply(connection=connection, prepared=value, webhook_id=webhook_id))
            ]
            status = Status.PROCESSED if handled and len(notes) < len(handled) else Status.IGNORED
            _update(
                webhook,
                status=status,
                error="; ".join(notes)[:2000],
                traceback="",
                attempts=locked.attempts + 1,
                processed_at=timezone.now(),
            )
            return provider, status
    except (WebhookRetryLater, ProviderTransientError, OperationalError) as exc:
        # OperationalError: a locked or dropped database is transient too; the effects rolled back.
        with contextlib.suppress(OperationalError):
            _record_failure(webhook_id=webhook_id, exc=exc, retry=not final_attempt)
        if not final_attempt:
            raise
        return provider, Status.FAILED
    except Exception as exc:  # kept with its traceback; redelivery or a support replay runs it again
        logger.exception("webhook %s failed while processing", webhook_id)
        _record_failure(webhook_id=webhook_id, exc=exc, retry=False)
        return provider, Status.FAILED


def _prepare(*, connection: Connection, payload: Any) -> tuple[InboundEventHandler, Any]:
    """The handler of one neutral event, and what its prepare step read or fetched (outside any transaction)."""
    handler = inbound_event_handler(type(payload))
    return handler, handler.prepare(connection=connection, event=payload)


def _record_failure(*, webhook_id: int, exc: BaseException, retry: bool) -> None:
    InboundWebhook.objects.filter(pk=webhook_id).update(
        # A retry stays pending so the task's own retry (or the sweeper) picks it up.
        status=Status.PENDING if retry else Status.FAILED,
        error=storable_text(_error_text(exc)),
        traceback=storable_text("".join(tb.format_exception(exc))[-20000:]),
        attempts=InboundWebhook.objects.get(pk=webhook_id).attempts + 1,
        updated_at=timezone.now(),
    )


def connection_health_apply(*, connection: Connection, event: InboundConnectionHealthEvent) -> None:
    """Record the provider's own view of the connection's health (TrackStar connection-error.*)."""
    Connection.objects.filter(pk=connection.pk).update(health_message=event.message[:2000], updated_at=timezone.now())


def connection_health_event_apply(
    *, connection: Connection, prepared: InboundConnectionHealthEvent, webhook_id: int | None
) -> str:
    """The handler-table form of connection_health_apply (registered in IntegrationsConfig.ready)."""
    connection_health_apply(connection=connection, event=prepared)
    return ""


def webhook_replay(*, webhook_id: int) -> InboundWebhook:
    """Queue a stored webhook again (support action); idempotent, and noted on the return's timeline."""
    try:
        webhook = InboundWebhook.objects.get(pk=webhook_id)
    except InboundWebhook.DoesNotExist as exc:
        raise ApplicationError(f"Webhook #{webhook_id} does not exist.") from exc
    target = webhook.duplicate_of if webhook.status == Status.DUPLICATE and webhook.duplicate_of else webhook
    if target.verification != Verification.VALID or target.connection_id is None:
        raise ApplicationError(f"Webhook #{target.pk} was never verified: it is kept for forensics, not processed.")
    replayable = (Status.PROCESSED, Status.FAILED, Status.IGNORED, Status.REJECTED)
    with transaction.atomic():
        if _requeue(webhook_id=target.pk, from_statuses=replayable):
            webhook_replayed.run(webhook=target)  # returns notes it on the return's timeline
    # Already pending: it is queued (or the sweeper will queue it); replaying again adds nothing.
    target.refresh_from_db()
    return target


def webhooks_sweep_pending(*, now: dt.datetime | None = None, limit: int = 1000) -> list[int]:
    """Re-publish rows still pending after the grace period (broker outage, crash between commit and publish)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS)
    # Not re-published since the cutoff: a message that was sent recently is given time to run.
    ids = list(
        InboundWebhook.objects.filter(status=Status.PENDING, updated_at__lt=cutoff)
        .filter(Q(published_at__isnull=True) | Q(published_at__lt=cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    published = [webhook_id for webhook_id in ids if webhook_publish(webhook_id=webhook_id)]
    InboundWebhook.objects.filter(pk__in=published).update(published_at=now)
    metrics.sweep_republished.labels("webhooks").inc(len(ids))
    return ids
