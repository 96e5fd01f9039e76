"""What every simulated provider's HTTP face shares: finding the account, checking credentials,
latency and failure injection. Each provider's fake (`integrations/providers/<slug>/sandbox.py`) brings its
own error shape and credential check and wraps its views with `sandbox_endpoint`.
"""

import base64
import hmac
import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.sandbox.models import SandboxAccount
from integrations.sandbox.services import sandbox_credentials, sandbox_take_failure

View = Callable[..., HttpResponse]
ErrorResponse = Callable[..., HttpResponse]
Authenticator = Callable[[SandboxAccount, HttpRequest], bool]


def json_body(request: HttpRequest) -> tuple[Any, str | None]:
    """The parsed JSON body, or (None, a one-line reason)."""
    try:
        return json.loads(request.body or b"null"), None
    except ValueError:
        return None, "body is not valid JSON"


def same(given: str, expected: str) -> bool:
    """A credential was sent and, when one is expected, equals it (constant-time)."""
    return bool(given) and (not expected or hmac.compare_digest(given.encode(), expected.encode()))


def basic_credentials(request: HttpRequest) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return "", ""
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return "", ""
    return user, password


def expected(account: SandboxAccount, *, linked: str) -> str:
    """The credential the account expects for the Connection field `linked`: its own once it has
    credentials (the wizard gives it some), else the linked connection's (accounts made in the
    admin or by the demo without any; none when it is not linked either)."""
    own = sandbox_credentials(account=account)
    if own:
        return own.get(linked, "")
    connection = account.connection
    return str(getattr(connection, linked) or "") if connection is not None else ""


def unknown_skus(account: SandboxAccount, skus: list[Any]) -> list[tuple[int, str]]:
    """(index, SKU) of the SKUs the simulated WMS does not know (none when it knows any SKU)."""
    if not account.skus:
        return []
    known = {str(sku) for sku in account.skus}
    return [(index, str(sku)) for index, sku in enumerate(skus) if str(sku) not in known]


def sandbox_endpoint(provider: str, *, error: ErrorResponse, authenticated: Authenticator) -> Callable[[View], View]:
    """Wrap a view: unknown account → 404, wrong credentials → 401, then latency and failures."""

    def decorator(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
            account = SandboxAccount.objects.filter(provider=provider, key=key).select_related("connection").first()
            if account is None:
                return error(404, "Unknown sandbox account")
            if not authenticated(account, request):
                return error(401, "Unauthorized")
            if account.latency_ms:
                time.sleep(account.latency_ms / 1000)
            failing = sandbox_take_failure(account=account)
            if failing and account.failure_mode == SandboxAccount.FailureMode.SERVER_ERROR:
                return error(503, "Service temporarily unavailable (sandbox failure injection)")
            if failing and account.failure_mode == SandboxAccount.FailureMode.RATE_LIMITED:
                response = error(429, "Too many requests (sandbox failure injection)")
                response["Retry-After"] = str(account.retry_after_seconds)
                response["x-ratelimit-limit"] = "50"
                response["x-ratelimit-remaining"] = "0"
                response["x-ratelimit-reset"] = str(int(time.time()) + account.retry_after_seconds)
                return response
            response = view(request, account, *args, **kwargs)
            if failing and account.failure_mode == SandboxAccount.FailureMode.TIMEOUT_AFTER_WORK:
                # The work is done and committed; the answer comes too late for the client.
                time.sleep(account.late_answer_seconds)
            return response

        return wrapper

    return decorator
