"""How each real provider signs the webhooks it sends: the sandbox signs the same way.

Written from the senders' documentation (providers.md §1.3, §2.3, §3.4, §4.4, §5.4),
independently of the receiving code, so a sandbox round trip checks the verifier too.
"""

import base64
import hashlib
import hmac
import time
import uuid

from integrations.models import Connection, Provider


def _b64_hmac(key: bytes, message: bytes, digest: str = "sha256") -> str:
    return base64.b64encode(hmac.new(key, message, digest).digest()).decode()


def signed_headers(*, connection: Connection, body: bytes) -> dict[str, str]:
    """The headers the real provider would send with this body to this connection."""
    headers = {"Content-Type": "application/json"}
    secret = connection.webhook_secret
    match connection.provider:
        case Provider.LOOP:
            headers["X-Loop-Signature"] = _b64_hmac(secret.encode(), body)
        case Provider.REDO:
            headers["Authorization"] = f"Bearer {secret}"
        case Provider.SHIPMONK:
            credentials = f"{connection.webhook_username}:{connection.webhook_password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
            if secret:
                headers["X-Sm-Signature"] = hmac.new(secret.encode(), body, "sha512").hexdigest()
        case Provider.TRACKSTAR:
            message_id = f"msg_{uuid.uuid4().hex}"
            timestamp = str(int(time.time()))
            key = base64.b64decode(secret.removeprefix("whsec_"))
            signed = f"{message_id}.{timestamp}.".encode() + body
            headers |= {
                "svix-id": message_id,
                "svix-timestamp": timestamp,
                "svix-signature": "v1," + _b64_hmac(key, signed),
            }
        case Provider.SHIPSTREAM:
            headers["X-Plugin-Hmac-Sha256"] = _b64_hmac(secret.encode(), body)
    return headers


def new_svix_secret() -> str:
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
