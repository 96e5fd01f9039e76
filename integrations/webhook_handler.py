"""The base of every provider's webhook handler (integrations/providers/<slug>/webhooks.py).

What all providers share lives here: verification through the provider's signature scheme
(integrations/webhook_signatures.py), reading the body as a JSON object, finding the parser of its event
type in a table, and keeping an event nobody handles as an ignored one (answered 2xx, kept for support).
A provider's file holds only what differs, as Zulip's webhook integrations do with their
EVENT_FUNCTION_MAPPER and IGNORED_EVENTS:

    class AcmeWebhooks(WebhookHandler):
        slug = "acme"
        display_name = "Acme"
        signature = HmacBodySignature("X-Acme-Signature")
        events = {"return.updated": parse_return}     # event type -> parser(delivery) -> [InboundEvent]
        ignored_events = frozenset({"order.created"})  # known, deliberately not handled

        def event_type(self, payload, headers): ...
"""

import abc
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from integrations.inbound import IgnoredEvent, InboundEvent
from integrations.inbound_errors import VerificationResult
from integrations.payload_values import content_key, load_json_object, text
from integrations.webhook_signatures import SignatureScheme

if TYPE_CHECKING:
    from integrations.models import Connection


@dataclass(frozen=True)
class Delivery:
    """One verified webhook body, as an event parser gets it."""

    event_type: str
    payload: dict[str, Any]
    headers: Mapping[str, str]
    # The provider's own id for this delivery, where it sends one (a Standard Webhooks `webhook-id`):
    # the dedupe key then, and kept as the event's external id.
    delivery_id: str = ""


EventParser = Callable[[Delivery], list[InboundEvent]]


class WebhookHandler(abc.ABC):
    """Verifies and parses one provider's webhooks."""

    slug: ClassVar[str]
    display_name: ClassVar[str]
    signature: ClassVar[SignatureScheme]
    # Event type → its parser (a plain function of the Delivery).
    events: ClassVar[Mapping[str, EventParser]] = {}
    # Event types the provider sends that Backhaul does not act on (kept as ignored, answered 2xx).
    ignored_events: ClassVar[frozenset[str]] = frozenset()

    def verify(
        self, *, connection: "Connection", headers: Mapping[str, str], body: bytes, now: dt.datetime
    ) -> VerificationResult:
        """Check the request against the raw bytes and the connection's current (and rotating) secrets."""
        return self.signature.verify(connection=connection, headers=headers, body=body, now=now)

    @abc.abstractmethod
    def event_type(self, payload: dict[str, Any], headers: Mapping[str, str]) -> str:
        """The delivery's event type as the tables name it; WebhookParseError when the body is not this
        provider's webhook at all."""

    def delivery_id(self, headers: Mapping[str, str]) -> str:
        """The provider's id for the delivery ("" when it sends none: events are then keyed by their content)."""
        return ""

    def ignored_key(self, delivery: Delivery) -> str:
        """The dedupe key of an event Backhaul does not handle: the delivery's id, else its type and content."""
        payload = delivery.payload
        return delivery.delivery_id or content_key(
            delivery.event_type,
            payload.get("id"),
            payload.get("updated_at") or payload.get("edited_at") or payload.get("created_at") or payload.get("at"),
        )

    def parse(self, *, headers: Mapping[str, str], body: bytes) -> list[InboundEvent]:
        """Turn a verified body into neutral events; raise WebhookParseError on garbage."""
        payload = load_json_object(body)
        delivery = Delivery(self.event_type(payload, headers), payload, headers, self.delivery_id(headers))
        parser = self.events.get(delivery.event_type)
        if parser is not None:
            return parser(delivery)
        known = delivery.event_type in self.ignored_events
        why = "is not handled" if known else "is not an event type Backhaul knows (kept for support)"
        reason = IgnoredEvent(f"{self.display_name} {text(delivery.event_type)} {why}")
        return [InboundEvent(delivery.event_type, self.ignored_key(delivery), reason, delivery.delivery_id)]
