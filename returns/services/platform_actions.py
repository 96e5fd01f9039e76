"""Acting on the returns platform: process the return, or flag it with a note, on Loop or Redo (product.md flow 7).

A queued decision (Return.platform_action process_queued / flag_queued, taken in outcomes.py) is carried out by
one worker at a time under the return's lease; each call is an ApiCall row committed on its own before the
result is written, so a rerun after a crash skips the calls that already succeeded (flag, then note), and a
call whose answer a dead worker never saw is not sent again (platform_in_flight.py).
"""

import logging
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from config import metrics
from config.leases import lease_acquire
from integrations.base import ReturnItemDecision, ReturnsPlatformClient
from integrations.exceptions import (
    ProviderConfigurationError,
    ProviderError,
    ProviderPermanentError,
    ProviderThrottled,
    ProviderTransientError,
)
from integrations.models import Connection
from integrations.registry import get_declaration, get_returns_platform_client, provider_name
from integrations.services.health import connection_credentials_rejected
from integrations.services.notifications import return_notify
from integrations.services.sandbox_addresses import is_sandbox_url
from returns.models import RMA, PlatformAction, Return, TimelineEvent, WarehouseOutcome
from returns.retry_policy import PushOutcome, push_countdown
from returns.services.aging import return_aging_refresh
from returns.services.grades import return_grades_send
from returns.services.platform_in_flight import platform_call_once
from returns.services.status_mappings import status_mappings_ensure
from returns.services.timeline import timeline_add
from returns.warehouse_outcomes import (
    platform_note,
)

logger = logging.getLogger(__name__)

Level = TimelineEvent.Level

State = Return.PlatformActionStatus
QUEUED = (State.PROCESS_QUEUED, State.FLAG_QUEUED)


# -- the return's platform ----------------------------------------------------------------


def return_platform_connection(return_obj: Return) -> Connection | None:
    if return_obj.connection_id:
        return return_obj.connection
    return Connection.objects.filter(
        store_id=return_obj.store_id, role=Connection.Role.RETURNS_PLATFORM, provider=return_obj.platform
    ).first()


def return_platform_label(return_obj: Return, client: ReturnsPlatformClient | None = None) -> str:
    label = provider_name(return_obj.platform)
    if client is not None and client.mode_label:
        return f"{label} ({client.mode_label})"
    return label


def platform_action_decide(return_obj: Return, state: "Return.PlatformActionStatus", *, at: bool = False) -> None:
    return_obj.platform_action = state
    fields = ["platform_action", "updated_at"]
    if at:
        return_obj.platform_action_at = timezone.now()
        fields.append("platform_action_at")
    return_obj.save(update_fields=fields)


# -- acting on the platform -------------------------------------------------------------------


_once = platform_call_once


def _item_decisions(return_obj: Return) -> list[ReturnItemDecision]:
    """Per platform item: accept it when it arrived, restock it when the warehouse did, from what the
    warehouses received per SKU."""
    received: dict[str, int] = defaultdict(int)
    restocked: dict[str, int] = defaultdict(int)
    for rma in return_obj.rmas.exclude(status=RMA.Status.CANCELLED).prefetch_related("lines"):
        for rma_line in rma.lines.all():
            sku = rma_line.platform_sku or rma_line.sku
            received[sku] += rma_line.received_quantity
            restocked[sku] += rma_line.restocked_quantity
    items = []
    for line in return_obj.lines.order_by("id"):
        got = min(line.quantity, received[line.sku])
        back = min(got, restocked[line.sku])
        received[line.sku] -= got
        restocked[line.sku] -= back
        item_id = (line.external_line_ids or [line.line_key])[0]
        items.append(ReturnItemDecision(item_id=str(item_id), accept=got > 0, restock=back > 0))
    return items


def _item_outcomes(return_obj: Return, rmas: list[RMA]) -> list[tuple[Any, str, ReturnItemDecision]]:
    """Per platform item (a return line): its own warehouse outcome and what processing it would mean.

    What the warehouses received, restocked and found damaged per SKU is shared out over the return's
    lines of that SKU in order; a line with damaged units is damaged, one with fewer units than it
    expects is short, else fully received."""
    received: dict[str, int] = defaultdict(int)
    restocked: dict[str, int] = defaultdict(int)
    damaged: dict[str, int] = defaultdict(int)
    for rma in rmas:
        if rma.status == RMA.Status.CANCELLED:
            continue
        for rma_line in rma.lines.all():
            sku = rma_line.platform_sku or rma_line.sku
            received[sku] += rma_line.received_quantity
            restocked[sku] += rma_line.restocked_quantity
            damaged[sku] += sum(
                int(d.get("quantity") or 1)
                for d in rma_line.receiving_details or []
                if isinstance(d, dict) and d.get("condition") == "damaged"
            )
    out: list[tuple[Any, str, ReturnItemDecision]] = []
    for line in return_obj.lines.order_by("id"):
        got = min(line.quantity, received[line.sku])
        bad = min(got, damaged[line.sku])
        back = min(got - bad, restocked[line.sku])
        received[line.sku] -= got
        damaged[line.sku] -= bad
        restocked[line.sku] -= back
        if bad:
            outcome = WarehouseOutcome.DAMAGED
        elif got < line.quantity:
            outcome = WarehouseOutcome.SHORT
        else:
            outcome = WarehouseOutcome.FULLY_RECEIVED
        item_id = str((line.external_line_ids or [line.line_key])[0])
        out.append((line, outcome, ReturnItemDecision(item_id=item_id, accept=got > 0, restock=back > 0)))
    return out


def return_item_plan(*, return_obj: Return, rmas: list[RMA]) -> dict[str, Any] | None:
    """Item by item, per the store's StatusMapping of each item's own outcome, when the items differ:
    process → accept it (restocked when the warehouse restocked it; rejected when nothing arrived),
    flag → left unprocessed for the merchant, named in a comment, ignore → left as it is.

    None when every item maps to the same action (the return is processed or flagged whole, as before)."""
    mappings = status_mappings_ensure(store_id=return_obj.store_id)
    items = _item_outcomes(return_obj, rmas)
    actions = {mappings[outcome].action for _line, outcome, _decision in items}
    if PlatformAction.PROCESS not in actions or len(actions) == 1:
        return None
    processed: list[dict[str, Any]] = []
    review: list[str] = []
    words: list[str] = []
    notes: dict[str, list[str]] = defaultdict(list)
    for line, outcome, decision in items:
        action = mappings[outcome].action
        label = f"{line.sku} ({WarehouseOutcome(outcome).label.lower()})"
        if action == PlatformAction.PROCESS:
            processed.append({"item_id": decision.item_id, "accept": decision.accept, "restock": decision.restock})
            verb = "restocked" if decision.restock else ("accepted" if decision.accept else "rejected")
            words.append(f"{line.sku} {verb}")
        elif action == PlatformAction.FLAG:
            review.append(decision.item_id)
            notes[outcome].append(label)
            words.append(f"{line.sku} left for review")
        else:
            words.append(f"{line.sku} left as it is")
    note = " ".join(
        platform_note(note_template=mappings[outcome].note_template, outcome=outcome, summary=", ".join(labels))
        for outcome, labels in notes.items()
    )
    return {"items": processed, "review": review, "note": note, "summary": "; ".join(words)}


def _call_platform(
    *,
    client: ReturnsPlatformClient,
    connection: Connection,
    return_obj: Return,
    action: str,
    note: str,
    plan: list[dict[str, Any]] | None = None,
) -> tuple[list[int], str]:
    """Make the calls for one action; returns their ApiCall ids. Raises the taxonomy's errors.

    Each call is skipped when an earlier run already made it successfully (flag, then note). Only
    process, flag and note are ever called: on Redo's Loop-compatible API close rejects a return
    and cancel resets it."""
    rid, ext = return_obj.pk, return_obj.external_id
    calls: list[int | None] = []
    if action == PlatformAction.PROCESS and plan is not None:
        # Item by item (the decision's plan): the items to process, then a comment naming those left for review.
        items = [ReturnItemDecision(item_id=i["item_id"], accept=i["accept"], restock=i["restock"]) for i in plan]
        try:
            calls.append(
                _once(rid, "return_items_process", lambda: client.return_items_process(return_id=ext, items=items))
            )
        except ProviderConfigurationError:
            # Not offered here: completing the whole return would also complete the items left for review,
            # so the whole return is flagged with the note instead, as without per-item processing.
            action = PlatformAction.FLAG
            note = note or "Backhaul: the warehouse reported a problem; please review."
        else:
            if note:
                calls.append(_once(rid, "return_note", lambda: client.return_note_create(return_id=ext, content=note)))
            return [c for c in calls if c is not None], str(action)
    if action == PlatformAction.PROCESS:
        if get_declaration(connection.provider).supports_per_item_processing:
            try:
                items = _item_decisions(return_obj)
                calls.append(
                    _once(rid, "return_items_process", lambda: client.return_items_process(return_id=ext, items=items))
                )
            except ProviderConfigurationError:
                # Not offered here (a 410 / 501 for a BETA endpoint, or an API mode without it): the whole
                # return is processed instead, the documented way.
                calls.append(_once(rid, "return_process", lambda: client.return_process(return_id=ext)))
        else:
            calls.append(_once(rid, "return_process", lambda: client.return_process(return_id=ext)))
    else:
        calls.append(_once(rid, "return_flag", lambda: client.return_flag(return_id=ext)))
        calls.append(_once(rid, "return_note", lambda: client.return_note_create(return_id=ext, content=note)))
    return [c for c in calls if c is not None], str(action)


def return_platform_act(*, return_id: int, final_attempt: bool = False, retries: int = 0) -> PushOutcome:
    """Process or flag one return on its platform (the decision is already on the row); retry transient errors."""
    with lease_acquire(key=f"return:platform-action:{return_id}") as lease:
        if not lease.held:
            return PushOutcome("busy", "another worker acts on the return", lease.wait_seconds)
        return_obj = Return.objects.select_related("store", "connection").filter(pk=return_id).first()
        if return_obj is None or return_obj.platform_action not in QUEUED:
            return PushOutcome("done", "nothing to do")
        action = PlatformAction.PROCESS if return_obj.platform_action == State.PROCESS_QUEUED else PlatformAction.FLAG
        decision = (
            return_obj.timeline.filter(kind="platform_action_queued").order_by("-id").values_list("data", flat=True)
        ).first() or {}
        note = str(decision.get("note") or "Backhaul: the warehouse reported a problem; please review.")
        plan = decision.get("items") if action == PlatformAction.PROCESS else None
        if plan is not None and not decision.get("note"):
            note = ""  # item by item with nothing left for review: no comment
        connection = return_platform_connection(return_obj)
        if connection is None:
            platform = return_platform_label(return_obj)
            _act_failed(return_obj, action, platform, f"the store has no {platform} connection", api_call_id=None)
            return PushOutcome("done", "no connection")
        try:
            client = get_returns_platform_client(connection=connection)
        except ProviderPermanentError as exc:  # a connection that cannot act on returns
            _act_failed(return_obj, action, return_platform_label(return_obj), exc.message, api_call_id=None)
            return PushOutcome("done", "permanent error")
        platform = return_platform_label(return_obj, client)
        if not connection.is_accepting_pushes and not final_attempt:
            return PushOutcome("retry", f"connection {connection.status}", push_countdown(retries=retries))
        test_data = return_obj.is_test or return_obj.store.is_sandbox
        if test_data and not is_sandbox_url(client.actions_base_url):
            _act_failed(return_obj, action, platform, "test return: not sent to a live platform", api_call_id=None)
            return PushOutcome("done", "test data blocked")
        try:
            with client.log_context(return_obj_id=return_obj.pk):
                # The warehouse's grades first (Loop: grade, then assess), each batch once, then the action.
                return_grades_send(client=client, connection=connection, return_obj=return_obj)
                api_calls, done = _call_platform(
                    client=client, connection=connection, return_obj=return_obj, action=action, note=note, plan=plan
                )
        except ProviderTransientError as exc:
            if final_attempt and not isinstance(exc, ProviderThrottled):
                _act_failed(return_obj, action, platform, f"gave up: {exc.message}", api_call_id=exc.api_call_id)
                return PushOutcome("done", "failed")
            metrics.platform_actions.labels(return_obj.platform, str(action), "retry").inc()
            return PushOutcome("retry", exc.message, push_countdown(retries=retries, retry_after=exc.retry_after))
        except ProviderPermanentError as exc:
            if connection_credentials_rejected(connection_id=connection.pk, exc=exc):
                return PushOutcome("done", "credentials rejected: the action waits for working ones")
            _act_failed(return_obj, action, platform, exc.message, api_call_id=exc.api_call_id)
            return PushOutcome("done", "permanent error")
        except ProviderError as exc:  # pragma: no cover - every provider error is one of the two above
            _act_failed(return_obj, action, platform, exc.message, api_call_id=exc.api_call_id)
            return PushOutcome("done", "error")
        items_summary = str(decision.get("items_summary") or "") if done == PlatformAction.PROCESS else ""
        _act_succeeded(return_obj, done, platform, note=note, api_call_ids=api_calls, items_summary=items_summary)
        return PushOutcome("done", done)


def _act_succeeded(
    return_obj: Return, action: str, platform: str, *, note: str, api_call_ids: list[int], items_summary: str = ""
) -> None:
    metrics.platform_actions.labels(return_obj.platform, str(action), "done").inc()
    with transaction.atomic():
        locked = Return.objects.select_for_update().get(pk=return_obj.pk)
        if locked.platform_action not in QUEUED:
            return
        platform_action_decide(locked, State.PROCESSED if action == PlatformAction.PROCESS else State.FLAGGED, at=True)
        if action == PlatformAction.PROCESS:
            return_aging_refresh(return_id=locked.pk)  # processed: the platform closes it, nothing waits
        if action == PlatformAction.PROCESS and items_summary:
            message, kind, level = (
                f"Return processed item by item in {platform}: {items_summary}"
                + (f". Comment: {note}" if note else ""),
                "platform_processed",
                Level.SUCCESS,
            )
        elif action == PlatformAction.PROCESS:
            message, kind, level = f"Return processed in {platform}", "platform_processed", Level.SUCCESS
        else:
            message, kind, level = (
                f"Return flagged in {platform} with a note: {note}",
                "platform_flagged",
                Level.WARNING,
            )
        timeline_add(
            return_obj=locked,
            kind=kind,
            level=level,
            message=message,
            data={"api_calls": api_call_ids},
            api_call_id=api_call_ids[0] if api_call_ids else None,
        )


def _act_failed(return_obj: Return, action: str, platform: str, message: str, *, api_call_id: int | None) -> None:
    """A permanent error: the return is marked failed (support's list) and the timeline says why."""
    metrics.platform_actions.labels(return_obj.platform, str(action), "failed").inc()
    with transaction.atomic():
        locked = Return.objects.select_for_update().get(pk=return_obj.pk)
        if locked.platform_action not in QUEUED:
            return
        platform_action_decide(locked, State.FAILED, at=True)
        verb = "process" if action == PlatformAction.PROCESS else "flag"
        timeline_add(
            return_obj=locked,
            kind="platform_action_failed",
            level=Level.ERROR,
            message=f"Could not {verb} the return in {platform}: {message}. Needs support.",
            data={"error": message, "action": str(action)},
            api_call_id=api_call_id,
        )
        return_notify(
            return_id=locked.pk, kind="platform_refused", message=f"Could not {verb} it in {platform}: {message}"
        )
