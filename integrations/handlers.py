"""The handler tables through which the apps that own the models take what integrations receives.

integrations owns stores, connections, webhooks and API calls, but not returns, RMAs or
fulfilments. Instead of importing their services (an import cycle of a dozen modules), it keeps
two small tables that those apps fill in their AppConfig.ready:

- inbound events: for each neutral event type (integrations/inbound.py), how to `prepare` it
  before any transaction (reads, and the provider calls the event needs) and how to `apply` it
  inside the processing transaction (writes only: no network, so no lock waits on a provider and
  no ApiCall row is rolled back with the business data);
- hooks: what to do when integrations creates a store, activates a connection or replays a webhook, and what
  a store's digest email should also count.

An event type nobody registered is a bug, raised as LookupError; a hook nobody registered does nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from integrations.models import Connection


class EventPrepare(Protocol):
    """Before any transaction: read what the event needs and make its provider calls; returns what apply takes."""

    def __call__(self, *, connection: "Connection", event: Any) -> Any: ...


class EventApply(Protocol):
    """Inside the processing transaction: write; returns "" when applied, else why nothing was done."""

    def __call__(self, *, connection: "Connection", prepared: Any, webhook_id: int | None) -> str: ...


def _as_is(*, connection: "Connection", event: Any) -> Any:
    return event


@dataclass(frozen=True)
class InboundEventHandler:
    prepare: EventPrepare
    apply: EventApply


_inbound: dict[type, InboundEventHandler] = {}


def inbound_event_handler_register(event_type: type, *, apply: EventApply, prepare: EventPrepare = _as_is) -> None:
    """Route one neutral event type to the app that owns its models (called from AppConfig.ready)."""
    _inbound[event_type] = InboundEventHandler(prepare=prepare, apply=apply)


def inbound_event_handler(event_type: type) -> InboundEventHandler:
    """The handler of an event type; LookupError when no installed app handles it."""
    try:
        return _inbound[event_type]
    except KeyError as exc:
        raise LookupError(f"no installed app handles {event_type.__name__}") from exc


def inbound_event_types() -> list[type]:
    """The event types some app handles (for tests and checks)."""
    return list(_inbound)


class Hook:
    """Callbacks that other apps register for one thing integrations does; run in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[..., Any]] = []

    def register(self, callback: Callable[..., Any]) -> None:
        if callback not in self._callbacks:  # AppConfig.ready may run twice in tests
            self._callbacks.append(callback)

    def run(self, **kwargs: Any) -> None:
        for callback in self._callbacks:
            callback(**kwargs)

    def collect(self, **kwargs: Any) -> list[Any]:
        """Every callback's answer, in registration order (for hooks that ask rather than tell)."""
        return [callback(**kwargs) for callback in self._callbacks]


# store=: a store was created (returns creates its default status mappings, visible to support at once).
store_created = Hook("store_created")
# store=: a store's aging days changed (returns re-times its waiting returns' due dates).
store_aging_changed = Hook("store_aging_changed")
# store= → lines of text: what else the store's digest emails count (returns: its overdue returns).
store_digest_lines = Hook("store_digest_lines")
# connection=: a connection accepts pushes again (resume, breaker reset, go-live): queued work may flow.
connection_activated = Hook("connection_activated")
# connection_id=, message=: a connection's circuit breaker opened after repeated failures (its calls pause).
breaker_opened = Hook("breaker_opened")
# webhook=: support replayed a stored webhook, inside the transaction that queued it again.
webhook_replayed = Hook("webhook_replayed")
# webhook=, original=: a duplicate delivery was stored and not processed; its original has been processed.
webhook_duplicate_ignored = Hook("webhook_duplicate_ignored")
