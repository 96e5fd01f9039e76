"""A flood of refused requests costs bounded bytes and CPU (issue 22, reliability.md rule 17).

Refused requests (405, 413, 404, 401) are stored with a prefix of their body and their true length
while their source and endpoint are within their limits, then answered 429 and counted per hour;
an oversized Content-Length is answered 413 without the body being read; verified deliveries are
never limited away. The floods are real: concurrent posts to a live server, with a real worker
processing the one genuine delivery sent in the middle.
"""

import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.db.models import Sum
from django.db.models.functions import Length
from django.test import Client

from integrations.models import InboundWebhook, RefusedWebhookCount
from integrations.services.refusals import source_key
from returns.models import Return
from tests.conftest import load_fixture, wait_for
from tests.factories import ConnectionFactory

from .conftest import post_webhook
from .signing import signed_headers

Status = InboundWebhook.Status
LimitedBy = RefusedWebhookCount.LimitedBy


def _stored_body_bytes() -> int:
    return InboundWebhook.objects.aggregate(total=Sum(Length("body")))["total"] or 0


def _counted() -> int:
    return RefusedWebhookCount.objects.aggregate(total=Sum("count"))["total"] or 0


# --- Against a live server, with concurrent clients -------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_flood_of_forgeries_is_bounded_and_the_genuine_delivery_in_its_middle_is_processed(
    live_server: Any, celery_worker: Any, settings: Any
) -> None:
    """300 forged 100 kB posts from one address, 8 at a time, at the default limits."""
    assert settings.WEBHOOK_REFUSED_LIMIT_PER_SOURCE == "60/hour"
    conn = ConnectionFactory()
    url = f"{live_server.url}{conn.webhook_path}"
    forged = b'{"pad": "' + b"x" * 100_000 + b'"}'
    bad_signature = signed_headers(conn, forged, secret="not-the-secret")
    genuine = load_fixture("loop", "return_created")
    answers: list[int] = []
    genuine_answer: list[requests.Response] = []
    halfway = threading.Event()

    def forge(index: int) -> None:
        with requests.Session() as session:
            response = session.post(url, data=forged, headers={**bad_signature, "Content-Type": "application/json"})
        answers.append(response.status_code)
        if index == 150:
            halfway.set()

    def deliver() -> None:
        halfway.wait(timeout=120)
        headers = {**signed_headers(conn, genuine), "Content-Type": "application/json"}
        genuine_answer.append(requests.post(url, data=genuine, headers=headers, timeout=30))

    with ThreadPoolExecutor(max_workers=9) as pool:
        delivered = pool.submit(deliver)
        list(pool.map(forge, range(300)))
        delivered.result()

    # The genuine delivery was accepted in the middle of the flood, and a real worker processed it.
    assert genuine_answer[0].status_code == 202, genuine_answer[0].text
    webhook = InboundWebhook.objects.get(verification="valid")
    wait_for(lambda: InboundWebhook.objects.get(pk=webhook.pk).status == Status.PROCESSED, timeout=60)
    assert Return.objects.filter(store=conn.store, external_id="880011").exists()

    # The forgeries: the first 60 stored (401), the rest answered 429 and counted on one row.
    assert (answers.count(401), answers.count(429), len(answers)) == (60, 240, 300)
    refused = InboundWebhook.objects.exclude(pk=webhook.pk)
    assert refused.count() == 60
    assert set(refused.values_list("status", "verification_reason").distinct()) == {
        (Status.REJECTED, "X-Loop-Signature does not match")
    }
    (count,) = RefusedWebhookCount.objects.all()
    assert (count.limited_by, count.source, count.connection_id, count.count) == (
        LimitedBy.SOURCE,
        "127.0.0.1",
        conn.pk,
        240,
    )
    assert (count.body_bytes, count.last_status, count.last_reason) == (
        240 * len(forged),
        401,
        "X-Loop-Signature does not match",
    )
    # 30 MB were posted; what was kept of them is 60 prefixes.
    kept = settings.WEBHOOK_REFUSED_BODY_KEPT_BYTES
    assert _stored_body_bytes() == 60 * kept + len(genuine)
    assert set(refused.values_list("body_length", flat=True)) == {len(forged)}


@pytest.mark.django_db(transaction=True)
def test_a_flood_from_many_addresses_adds_one_row_an_hour(live_server: Any, settings: Any) -> None:
    """200 posts to unknown tokens, each from its own address (behind one trusted proxy): the unknown
    endpoints' shared limit stores 120, and the other 80 are one counted row, not 80."""
    settings.TRUSTED_PROXY_COUNT = 1
    base = f"{live_server.url}/webhooks/loop"

    def scan(index: int) -> int:
        headers = {"X-Forwarded-For": f"198.51.{index // 250}.{index % 250 + 1}", "Content-Type": "text/plain"}
        return requests.post(f"{base}/{uuid.uuid4().hex}/", data=b"probe", headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(scan, range(200)))

    assert (answers.count(404), answers.count(429)) == (120, 80)
    assert InboundWebhook.objects.count() == 120
    assert InboundWebhook.objects.values("remote_addr").distinct().count() == 120  # the client's address, stored
    (count,) = RefusedWebhookCount.objects.all()
    assert (count.limited_by, count.endpoint_key, count.source, count.count) == (LimitedBy.ENDPOINT, "unknown", "", 80)
    assert count.last_source.startswith("198.51.")
    assert (count.last_provider, count.last_status, count.last_reason) == ("loop", 404, "unknown endpoint")
    assert len(count.last_endpoint_token) == 32


def _read_answer(client: socket.socket) -> str:
    """One HTTP answer off the socket: its head, then as many body bytes as its Content-Length says."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(4096)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    while len(body) < length:
        chunk = client.recv(4096)
        assert chunk, data
        body += chunk
    return (head + b"\r\n\r\n" + body).decode()


@pytest.mark.django_db(transaction=True)
def test_an_oversized_content_length_is_answered_413_at_once_without_reading_the_body(live_server: Any) -> None:
    """Headers declaring 50 MB and then only a few bytes: the answer comes before the body could."""
    conn = ConnectionFactory()
    host, port = live_server.thread.host, live_server.thread.port
    request = (
        f"POST {conn.webhook_path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        "Content-Length: 50000000\r\n\r\n"
    ).encode() + b'{"pad": "'
    with socket.create_connection((host, port), timeout=10) as client:
        started = time.monotonic()
        client.sendall(request)
        answer = _read_answer(client)
        elapsed = time.monotonic() - started
    assert answer.startswith("HTTP/1.1 413 "), answer
    assert "body too large: 50000000 bytes, at most 2621440" in answer
    assert elapsed < 5, elapsed  # had it waited for the body, recv would have timed out (10 s)
    webhook = wait_for(lambda: InboundWebhook.objects.first())
    assert (bytes(webhook.body), webhook.body_length, webhook.truncated) == (b"", 50_000_000, {"body": 50_000_000})


# --- The rules, through the test client ------------------------------------------------------------


@pytest.fixture
def tight(settings: Any) -> Any:
    settings.WEBHOOK_REFUSED_LIMIT_PER_SOURCE = "3/hour"
    settings.WEBHOOK_REFUSED_LIMIT_PER_ENDPOINT = "5/hour"
    settings.TRUSTED_PROXY_COUNT = 1
    return settings


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


@pytest.mark.django_db
def test_past_the_source_limit_a_refusal_is_429_with_retry_after_and_counted(tight: Any) -> None:
    client = Client()
    answers = [
        client.post(
            f"/webhooks/redo/nope-{i}/", data=b"x" * 50_000, content_type="text/plain", headers=_from("192.0.2.7")
        )
        for i in range(5)
    ]
    assert [a.status_code for a in answers] == [404, 404, 404, 429, 429]
    assert (
        answers[3].content.decode()
        == f"too many refused requests from this address: try again in {answers[3]['Retry-After']} s\n"
    )
    assert 3000 <= int(answers[3]["Retry-After"]) <= 3600
    kept = tight.WEBHOOK_REFUSED_BODY_KEPT_BYTES
    assert [(len(bytes(w.body)), w.body_length) for w in InboundWebhook.objects.order_by("id")] == [(kept, 50_000)] * 3
    (count,) = RefusedWebhookCount.objects.all()
    assert (count.source, count.count, count.body_bytes, count.last_endpoint_token) == (
        "192.0.2.7",
        2,
        100_000,
        "nope-4",
    )
    # Another address still has its own room.
    assert (
        client.post("/webhooks/redo/nope/", data=b"", content_type="text/plain", headers=_from("192.0.2.8")).status_code
        == 404
    )


@pytest.mark.django_db
def test_addresses_of_one_ipv6_64_share_a_limit(tight: Any) -> None:
    assert source_key("2001:db8:1:2::1") == source_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert source_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert source_key("not an address") == ""
    client = Client()
    answers = [
        client.post("/webhooks/loop/nope/", data=b"", content_type="text/plain", headers=_from(f"2001:db8:1:2::{i}"))
        for i in range(1, 5)
    ]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert RefusedWebhookCount.objects.get().source == "2001:db8:1:2::/64"


@pytest.mark.django_db
def test_every_kind_of_refusal_counts_and_a_wrong_method_is_counted_as_405(tight: Any) -> None:
    conn = ConnectionFactory()
    client = Client()
    body = load_fixture("loop", "return_created")
    answers = [
        client.get(conn.webhook_path, headers=_from("192.0.2.1")).status_code,
        post_webhook(client, conn, body, headers={**_from("192.0.2.1"), "X-Loop-Signature": "forged"}).status_code,
        client.post(
            conn.webhook_path, data=b"{}", content_type="application/json", headers=_from("192.0.2.1")
        ).status_code,
        client.put(conn.webhook_path, data=b"{}", headers=_from("192.0.2.1")).status_code,
    ]
    assert answers == [405, 401, 401, 429]
    count = RefusedWebhookCount.objects.get()
    assert (count.last_status, count.last_reason, count.last_endpoint_token) == (
        405,
        "method PUT not allowed: POST only",
        "",  # a connection's token is not copied onto the count
    )


@pytest.mark.django_db
def test_verified_deliveries_are_never_limited(tight: Any) -> None:
    """With the endpoint's and the source's limits spent on forgeries, the provider's own deliveries
    (accepted, and verified but unreadable) are still answered and stored whole."""
    conn = ConnectionFactory()
    client = Client()

    def forge(address: str) -> Any:
        return post_webhook(client, conn, b"{}", headers={**_from(address), "X-Loop-Signature": "forged"})

    answers = [forge(f"192.0.2.{i}").status_code for i in (1, 2, 3, 4, 5, 6, 1, 1)]
    assert answers == [401] * 5 + [429] * 3
    assert forge("192.0.2.9").content.decode().startswith("too many refused requests to this endpoint")
    assert forge("192.0.2.1").content.decode().startswith("too many refused requests from this address")

    genuine = load_fixture("loop", "return_created")
    accepted = post_webhook(client, conn, genuine, headers={**signed_headers(conn, genuine), **_from("192.0.2.1")})
    unreadable = b"not json" * 5000
    refused = post_webhook(client, conn, unreadable, headers={**signed_headers(conn, unreadable), **_from("192.0.2.1")})
    assert (accepted.status_code, refused.status_code) == (202, 400)
    latest = InboundWebhook.objects.order_by("-id")[:2]
    assert [(w.verification, bytes(w.body)) for w in latest] == [("valid", unreadable), ("valid", genuine)]


@pytest.mark.django_db
def test_the_limiter_being_down_stores_the_refusal_instead_of_failing(tight: Any, monkeypatch: Any) -> None:
    import redis

    from integrations import ratelimit

    def down(**kwargs: Any) -> float:
        raise redis.ConnectionError("Error 111 connecting to redis://:secret@127.0.0.1:1")

    monkeypatch.setattr(ratelimit, "acquire", down)
    client = Client(raise_request_exception=False)
    answers = [client.post("/webhooks/loop/nope/", data=b"{}", content_type="text/plain").status_code for _ in range(5)]
    assert answers == [404] * 5
    assert (InboundWebhook.objects.count(), RefusedWebhookCount.objects.count()) == (5, 0)


@pytest.mark.django_db
def test_support_sees_the_flood_in_the_admin(tight: Any, admin_client: Any) -> None:
    from django.urls import reverse

    conn = ConnectionFactory(name="Loop (Acme)")
    client = Client()
    for i in range(1, 9):
        post_webhook(client, conn, b"{}", headers={**_from(f"192.0.2.{i}"), "X-Loop-Signature": "forged"})
    count = RefusedWebhookCount.objects.get()
    assert (count.limited_by, count.count, count.last_source) == (LimitedBy.ENDPOINT, 3, "192.0.2.8")

    page = admin_client.get(reverse("admin:integrations_refusedwebhookcount_changelist"))
    assert page.status_code == 200
    row = page.content.decode()
    for shown in (
        "Loop (Acme)",
        "many (last 192.0.2.8)",
        "Too many to this endpoint",
        "X-Loop-Signature does not match",
    ):
        assert shown in row, shown
    assert (
        admin_client.get(reverse("admin:integrations_refusedwebhookcount_change", args=[count.pk])).status_code == 200
    )


@pytest.mark.django_db
def test_a_refused_request_keeps_a_bounded_share_of_its_headers() -> None:
    """About a hundred headers of 4 kB each pass a real server; a refused request keeps 8 kB of them in
    all (with the true total), while a verified delivery keeps every one."""
    from integrations.services.refusals import REFUSED_HEADERS_KEPT_CHARS

    conn = ConnectionFactory()
    client = Client()
    padding = {f"X-Pad-{i:02}": "p" * 4000 for i in range(60)}
    total = sum(len(name) + len(value) for name, value in padding.items())
    refused = post_webhook(client, conn, b"{}", headers={**padding, "X-Loop-Signature": "forged"})
    assert refused.status_code == 401
    row = InboundWebhook.objects.get()
    assert sum(len(name) + len(value) for name, value in row.headers.items()) <= REFUSED_HEADERS_KEPT_CHARS
    assert "X-Pad-00" in row.headers
    assert row.truncated["headers"] > total

    body = load_fixture("loop", "return_created")
    accepted = post_webhook(client, conn, body, headers={**padding, **signed_headers(conn, body)})
    assert accepted.status_code == 202
    assert len(InboundWebhook.objects.get(verification="valid").headers) > 60
