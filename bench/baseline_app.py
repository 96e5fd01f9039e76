"""The ingest baseline: a bare WSGI app doing the irreducible work of a webhook, under the same gunicorn.

It verifies the same X-Loop-Signature (base64 HMAC-SHA256 of the raw body), inserts the same row
into the same table (integrations_inboundwebhook, one INSERT, autocommit) and publishes one message
to the same Redis with kombu, then answers 202. No framework, no ORM, no middleware, no dedupe.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import os

import psycopg
from kombu import Connection, Exchange, Producer, Queue

SECRET = os.environ["BENCH_LOOP_SECRET"].encode()
CONNECTION_ID = int(os.environ["BENCH_CONNECTION_ID"])
STORE_ID = int(os.environ["BENCH_STORE_ID"])
_QUEUE = Queue("bench-baseline", Exchange("bench-baseline", type="direct"), routing_key="bench-baseline")
_INSERT = (
    "INSERT INTO integrations_inboundwebhook (created_at, updated_at, connection_id, store_id, provider,"
    " endpoint_token, method, remote_addr, headers, body, body_length, truncated, verification,"
    " verification_reason, event_type, external_event_id, status, error, traceback, attempts) VALUES"
    " (%s, %s, %s, %s, 'loop', %s, 'POST', %s, %s, %s, %s, '{}', 'valid', '', '', '', 'pending', '', '', 0)"
    " RETURNING id"
)
_state: dict[str, object] = {}


def _resources() -> tuple[psycopg.Connection, Producer]:
    if not _state:  # one database connection and one broker channel per worker process, like Django's
        _state["db"] = psycopg.connect(os.environ["BENCH_PG_DSN"], autocommit=True)
        broker = Connection(os.environ["REDIS_URL"])
        _state["broker"] = broker
        _state["producer"] = Producer(broker.channel(), exchange=_QUEUE.exchange, routing_key="bench-baseline")
        _QUEUE(broker.default_channel).declare()
    return _state["db"], _state["producer"]  # type: ignore[return-value]


def application(environ, start_response):  # type: ignore[no-untyped-def]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    signature = environ.get("HTTP_X_LOOP_SIGNATURE", "")
    expected = base64.b64encode(hmac.new(SECRET, body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(signature, expected):
        start_response("401 Unauthorized", [("Content-Type", "text/plain")])
        return [b"unauthorized\n"]
    db, producer = _resources()
    now = dt.datetime.now(dt.UTC)
    headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
    token = environ.get("PATH_INFO", "").rstrip("/").rsplit("/", 1)[-1]
    row_id = db.execute(
        _INSERT,
        (now, now, CONNECTION_ID, STORE_ID, token, environ.get("REMOTE_ADDR"), json.dumps(headers), body, len(body)),
    ).fetchone()[0]
    producer.publish(
        [[row_id], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}],
        serializer="json",
        headers={"task": "integrations.tasks.webhook_process", "id": f"baseline-{row_id}"},
    )
    start_response("202 Accepted", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"accepted\n"]
