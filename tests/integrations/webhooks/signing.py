"""Sign a body the way each provider does, for posting to our endpoint in tests.

Written apart from the verifiers: TrackStar (Svix) and ShipBob (Standard Webhooks) bodies are signed by the
svix package itself, not with our key helper, so a bug shared by a test signer and our verifier cannot pass.
"""

import base64
import datetime as dt
import hashlib
import hmac
import time
import uuid

from svix.webhooks import Webhook as SvixWebhook

from integrations.models import Connection


def _b64_hmac(key: bytes, message: bytes, algorithm: str = "sha256") -> str:
    return base64.b64encode(hmac.new(key, message, getattr(hashlib, algorithm)).digest()).decode()


def signed_headers(
    connection: Connection,
    body: bytes,
    *,
    secret: str | None = None,
    password: str | None = None,
    timestamp: int | None = None,
    msg_id: str | None = None,
    sm_encoding: str = "hex",
    topic: str = "",
) -> dict[str, str]:
    """Headers a provider would send with `body`, signed with the connection's (or the given) secret."""
    secret = connection.webhook_secret if secret is None else secret
    provider = connection.provider
    if provider == "loop":
        return {"X-Loop-Signature": _b64_hmac(secret.encode(), body)}
    if provider == "redo":
        return {"Authorization": f"Bearer {secret}"}
    if provider == "shipstream":
        return {"X-Plugin-Hmac-Sha256": _b64_hmac(secret.encode(), body)}
    if provider == "trackstar":
        msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
        ts = int(time.time()) if timestamp is None else timestamp
        # Svix signs text: a body that is not UTF-8 cannot be signed (UnicodeDecodeError), as with Svix.
        signature = SvixWebhook(secret).sign(msg_id, dt.datetime.fromtimestamp(ts, tz=dt.UTC), body.decode("utf-8"))
        return {"svix-id": msg_id, "svix-timestamp": str(ts), "svix-signature": signature}
    if provider == "shipbob":
        msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
        ts = int(time.time()) if timestamp is None else timestamp
        signature = SvixWebhook(secret).sign(msg_id, dt.datetime.fromtimestamp(ts, tz=dt.UTC), body.decode("utf-8"))
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": signature,
            "x-webhook-topic": topic or "return.updated",
        }
    if provider == "shipmonk":
        password = connection.webhook_password if password is None else password
        basic = base64.b64encode(f"{connection.webhook_username}:{password}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}"}
        if secret:
            digest = hmac.new(secret.encode(), body, hashlib.sha512).digest()
            headers["X-Sm-Signature"] = digest.hex() if sm_encoding == "hex" else base64.b64encode(digest).decode()
        return headers
    raise ValueError(provider)
