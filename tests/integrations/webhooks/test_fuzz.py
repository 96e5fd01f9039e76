"""Fuzzing the six webhook endpoints (issue 13): hostile methods, tokens, headers and bodies, unsigned
and correctly signed (so the parsers and the worker's processing are fuzzed, not only the verifiers).

For every request: the answer is 2xx, 400, 401, 404, 405, 413 or 429 with one line of text; exactly one
row is stored (or, for a 429, one more refusal counted); a stored pending row is processed without a
crash (a refusal is fine, a DataError or a TypeError is not). Then every stored row shows in the list
API, its API detail, the admin list and its admin page with 200. Bounded examples (about 40 s per
database on an idle machine); in CI the examples are derandomized, so a run is reproducible and never
fails on a new random find.
"""

import copy
import json
import string
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.models import Connection, InboundWebhook, RefusedWebhookCount
from integrations.services.webhooks import webhook_process
from tests.conftest import IN_CI, load_fixture
from tests.factories import ConnectionFactory, StoreFactory

from .conftest import assert_pages_show
from .signing import signed_headers

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]
Status = InboundWebhook.Status
ANSWERS = {200, 202, 400, 401, 404, 405, 413, 429}
# Errors a processed row may end with: a refusal or a provider that could not be reached (ShipBob's events are
# read back from its API, which is not there: after a few failures its connection's breaker opens and the calls
# stop). Anything else (DataError, TypeError, RecursionError, ...) is a crash the fuzzing found.
EXPECTED_FAILURES = (
    "WebhookParseError:",
    "ProviderUnavailable:",
    "ProviderTimeout:",
    "ProviderCircuitOpen:",
    "WebhookRetryLater:",
)
FIXTURES = {
    "loop": ["return_created", "return_updated", "label_updated", "label_request_issued", "restock_requested"],
    "redo": ["created", "updated", "backfill"],
    "shipmonk": ["return_status_returned", "shipment_notification_split", "order_status_change"],
    "shipstream": ["delivery_status_changed", "order_shipped"],
    "trackstar": ["return_updated", "order_shipment_created", "connection_error_created"],
    "shipbob": ["return_created", "return_updated", "return_completed"],
}
PROVIDERS = sorted(FIXTURES)


def _settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=IN_CI,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


# --- strategies ---------------------------------------------------------------------------------

HOSTILE_VALUES = st.sampled_from(
    [
        None,
        True,
        0,
        -1,
        10**30,
        1e308,
        "",
        "\x00",
        "é\x00x",
        "\ud800 lone surrogate",
        "x" * 5000,
        "1e999999999",
        "NaN",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
        "[" * 40,
        {},
        [],
        {"a": {"b": {"c": [1, [2, [3]]]}}},
    ]
)
# Lone surrogates too, and often (json.dumps escapes them as "\ud800", which json.loads reads back).
JSON_TEXT = st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=40)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | JSON_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


def _slots(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) in a parsed JSON document, the document's own keys included."""
    found: list[tuple[Any, Any]] = []
    stack = [document]
    while stack:
        node = stack.pop()
        pairs = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in pairs:
            found.append((node, key))
            stack.append(value)
    return found


@st.composite
def mutated_fixture(draw: Any, provider: str) -> bytes:
    """A real payload of the provider with one to four values replaced by hostile or random ones."""
    document = copy.deepcopy(json.loads(load_fixture(provider, draw(st.sampled_from(FIXTURES[provider])))))
    for _ in range(draw(st.integers(1, 4))):
        slots = _slots(document)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        # A copy: the sampled constants ({}, [], ...) must not change when a later step writes into them.
        container[key] = copy.deepcopy(draw(st.one_of(HOSTILE_VALUES, JSON_VALUES)))
    return json.dumps(document).encode()


def nested(depth: int, opener: bytes, closer: bytes) -> bytes:
    return opener * depth + b"1" + closer * depth


BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.integers(1, 200_000).map(lambda n: b"[" * n),
    st.integers(1, 5000).map(lambda n: nested(n, b'{"a":', b"}")),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
# What a real server lets through in a header value (gunicorn refuses control characters).
HEADER_VALUES = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=300
)
HEADER_NAMES = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=30).filter(
    # Host is checked against ALLOWED_HOSTS before any view (Django answers 400), Content-Type and
    # Content-Length are the test client's to set.
    lambda name: name.lower() not in ("host", "content-type", "content-length")
)
HEADERS = st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=5)
# A token never holds "/" here: with one the path is not a webhook endpoint (Django's 404, no view).
ODD_TOKENS = st.text(st.characters(blacklist_characters="/", blacklist_categories=("Cs",)), min_size=1, max_size=300)
METHODS = st.one_of(st.just("POST"), st.sampled_from(["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"]))


# --- the properties -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _room_for_every_example(settings: Any) -> None:
    """Hundreds of refused requests from one address: past the default limits most would be answered
    429 and counted, and the fuzzing would stop reaching the code that stores them."""
    settings.WEBHOOK_REFUSED_LIMIT_PER_SOURCE = settings.WEBHOOK_REFUSED_LIMIT_PER_ENDPOINT = "100000/hour"


@pytest.fixture
def connections(db: None) -> dict[str, Connection]:
    """One connection per provider; outbound calls go to a closed local port (refused at once)."""
    store = StoreFactory()
    extra = {"trackstar": {"wms_name": "shipmonk"}}
    return {
        provider: ConnectionFactory(
            store=store, provider=provider, base_url="http://127.0.0.1:9", **extra.get(provider, {})
        )
        for provider in PROVIDERS
    }


class Deliveries:
    """Posts one request and checks what every request must satisfy; remembers the rows for the pages."""

    def __init__(self) -> None:
        self.client = Client(raise_request_exception=False)
        self.webhook_ids: list[int] = []

    def send(self, *, method: str, path: str, headers: dict[str, str], body: bytes) -> InboundWebhook | None:
        before = InboundWebhook.objects.order_by("-id").values_list("id", flat=True).first() or 0
        counted = sum(RefusedWebhookCount.objects.values_list("count", flat=True))
        response = self.client.generic(method, path, data=body, content_type="application/json", headers=headers)
        assert response.status_code in ANSWERS, (response.status_code, response.content[:300])
        if method != "HEAD":  # a HEAD answer has no body
            text = response.content.decode()
            assert text.endswith("\n"), text[:300]
            assert text.count("\n") == 1, text[:300]
        stored = list(InboundWebhook.objects.filter(id__gt=before))
        if response.status_code == 429:  # past a refusal limit: counted, not stored
            assert (stored, sum(RefusedWebhookCount.objects.values_list("count", flat=True))) == ([], counted + 1)
            return None
        assert len(stored) == 1, (response.status_code, [w.status for w in stored])
        webhook = stored[0]
        self.webhook_ids.append(webhook.pk)
        if webhook.status == Status.PENDING:
            webhook_process(webhook_id=webhook.pk)  # what the worker runs; a crash shows in its error
            webhook.refresh_from_db()
        crashed = webhook.traceback and not webhook.error.startswith(EXPECTED_FAILURES)
        assert not crashed, (webhook.status, webhook.error, webhook.traceback[-1500:])
        return webhook


def test_fuzz_unsigned_requests(connections: dict[str, Connection]) -> None:
    deliveries = Deliveries()

    @_settings(examples=120)
    @given(
        provider=st.sampled_from(PROVIDERS),
        method=METHODS,
        token=st.one_of(st.none(), ODD_TOKENS),
        headers=HEADERS,
        body=BODIES,
    )
    def post(provider: str, method: str, token: str | None, headers: dict[str, str], body: bytes) -> None:
        endpoint_token = connections[provider].endpoint_token if token is None else token
        path = f"/webhooks/{provider}/{quote(endpoint_token, safe='')}/"
        deliveries.send(method=method, path=path, headers=headers, body=body)

    post()
    assert_pages_show(deliveries.webhook_ids)


def test_fuzz_signed_requests(connections: dict[str, Connection]) -> None:
    """Correctly signed, so each body reaches the provider's parser, and pending rows its processing."""
    deliveries = Deliveries()
    statuses: set[str] = set()

    @_settings(examples=160)
    @given(data=st.data(), provider=st.sampled_from(PROVIDERS), extra_headers=HEADERS)
    def post(data: Any, provider: str, extra_headers: dict[str, str]) -> None:
        body = data.draw(st.one_of(mutated_fixture(provider), mutated_fixture(provider), BODIES), label="body")
        if provider in ("trackstar", "shipbob"):  # Svix (Standard Webhooks) signs text only
            body = body.decode("utf-8", "replace").encode()
        connection = connections[provider]
        headers = {**extra_headers, **signed_headers(connection, body)}
        webhook = deliveries.send(method="POST", path=connection.webhook_path, headers=headers, body=body)
        assert webhook is not None  # signed: verified deliveries are never limited
        statuses.add(webhook.status)

    post()
    # The signed fuzzing reached the parsers and the processing, not only the verifiers.
    assert {Status.PROCESSED, Status.REJECTED} <= statuses, statuses
    assert_pages_show(deliveries.webhook_ids)
