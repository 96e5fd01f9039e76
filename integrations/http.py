"""The one HTTP base every provider client inherits.

It owns the requests Session, the explicit (connect, read) timeouts, auth headers, the shared
per-connection rate limit, the ApiCall log (secrets redacted) and the mapping from HTTP
failures to the error taxonomy in integrations/exceptions.py, so retry policy lives in one
place and provider code only builds requests and reads answers.

It is also where credentials are kept from leaving for an address nobody checked: unless the
deployment allows private addresses, every connection goes through the connect-time guard
(integrations/connect_guard.py); redirects are never followed (requests would carry
our Api-Key / X-Authorization headers to the redirect target), and an absolute URL from an answer
is only called on the connection's own origin, as the HTTP library reads it
(integrations/destinations.py). A client whose deployment credential was withheld from its destination
(`withheld`) sends nothing at all.
"""

import contextlib
import datetime as dt
import email.utils
import json
import logging
import math
import os
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from config import metrics
from config.countdowns import countdown_bounded
from config.logging import REDACTED, mask_endpoint_tokens, redact
from integrations import ratelimit
from integrations.connect_guard import GuardedAdapter, RefusedAddress
from integrations.destinations import UnsafeDestination, request_origin
from integrations.display import body_for_display
from integrations.exceptions import (
    ProviderAuthError,
    ProviderCircuitOpen,
    ProviderConfigurationError,
    ProviderDestinationRefused,
    ProviderError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)
from integrations.fitting import storable_text

MAX_LOGGED_BODY = 20_000

logger = logging.getLogger(__name__)

# Sent before every provider request, with `operation` and `in_transaction` (a database transaction
# is open on the default connection). No request may run inside one (reliability.md rule 11): a
# lock would wait on the network, and a rollback would erase the request's ApiCall row. Tests
# connect to it to prove a path makes its requests outside transactions.
request_sending = Signal()


def _connect_only_retry() -> Retry:
    # Only failures to *connect* are retried in-process: the request never left, so even a POST
    # is safe. Everything else (read timeouts, 5xx, 429) goes back to the task, which retries
    # with a countdown instead of holding a worker.
    # read=False re-raises a read timeout as itself (requests' ReadTimeout) instead of wrapping it
    # in MaxRetryError, which requests would report as a plain ConnectionError.
    return Retry(
        total=2, connect=2, read=False, status=0, other=0, redirect=0, backoff_factor=0.2, raise_on_status=False
    )


_DELTA_SECONDS = re.compile(r"[0-9]+")


# One pair of adapters per process, shared by every client: their connection pools keep connections to a
# provider open between calls, so a push does not pay a new TCP (and TLS) handshake. An adapter holds no
# credential (each client's Session does); the guard checks the address of every new connection, and a kept
# connection stays on the address it was checked on. Keyed by process id: a forked child builds its own.
_adapters: dict[tuple[int, bool], tuple[HTTPAdapter, HTTPAdapter]] = {}
os.register_at_fork(after_in_child=_adapters.clear)  # a child never touches its parent's sockets


def shared_adapters(*, guarded: bool) -> tuple[HTTPAdapter, HTTPAdapter]:
    """(http://, https://) adapters for this process: connect-time guarded unless private addresses are allowed."""
    key = (os.getpid(), guarded)
    if key not in _adapters:
        if guarded:
            _adapters[key] = (
                GuardedAdapter(https=False, max_retries=_connect_only_retry()),
                GuardedAdapter(https=True, max_retries=_connect_only_retry()),
            )
        else:
            adapter = HTTPAdapter(max_retries=_connect_only_retry())
            _adapters[key] = (adapter, adapter)
    return _adapters[key]


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header, delta-seconds or an HTTP date (RFC 9110 §10.2.3), within
    the bound of every countdown (config/countdowns.py); None when absent or unreadable.

    Not urllib3's parser: it caps at its own 6 hours (past the broker's visibility timeout), and
    before 2.6 a huge value made int() or the date arithmetic raise."""
    text = (value or "").strip()
    if not text:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        # More digits than any real wait (and than int() takes at once): just "very long".
        return countdown_bounded(float(text) if len(text) <= 12 else math.inf)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):  # a malformed header only loses the hint
        return None
    if when.tzinfo is None:  # "-0000": a time in UTC from a source that does not say its zone
        when = when.replace(tzinfo=dt.UTC)
    return countdown_bounded((when - timezone.now()).total_seconds())


class BaseHttpClient:
    """Session, timeouts, auth, rate limit, ApiCall log and error mapping for one connection."""

    provider: str = ""
    # A `limits` string ("50/second"); a connection may override it with options["rate_limit"].
    default_rate_limit: str = "10/second"
    # 4xx answers that mean "try again later" at this provider (besides 429): retried like a 5xx.
    transient_statuses: frozenset[int] = frozenset({408})

    def __init__(
        self,
        *,
        base_url: str,
        connection_id: int | None = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        secrets: tuple[str, ...] = (),
        rate_limit: str = "",
        withheld: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Why a credential this client needs was kept from its destination (destinations.credential_withheld):
        # every request is then refused with that sentence, and nothing is sent.
        self.withheld = withheld
        self.connection_id = connection_id
        self.rate_limit = rate_limit or self.default_rate_limit
        self.session = requests.Session()
        # Nothing else from the process's environment: no proxy (its own address would go unchecked by the guard)
        # and no .netrc credentials (a credential goes only where its owner sent it). It also spares requests reading
        # the whole environment twice per request. The CA bundle variable requests reads is still honoured.
        self.session.trust_env = False
        self.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        plain, tls = shared_adapters(guarded=not settings.ALLOW_PRIVATE_PROVIDER_URLS)
        self.session.mount("http://", plain)
        self.session.mount("https://", tls)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "Backhaul/1.0"})
        if headers:
            self.session.headers.update(headers)
        if auth:
            self.session.auth = auth
        # Secret values themselves, scrubbed from anything we store even where a key name hides them.
        self._secrets = tuple(s for s in secrets if s and len(s) >= 4)
        self._log_context: dict[str, int | None] = {"rma_id": None, "return_obj_id": None}
        self.last_api_call_id: int | None = None

    @property
    def timeout(self) -> tuple[float, float]:
        return (settings.PROVIDER_CONNECT_TIMEOUT, settings.PROVIDER_READ_TIMEOUT)

    @contextlib.contextmanager
    def log_context(self, *, rma_id: int | None = None, return_obj_id: int | None = None) -> Iterator[None]:
        """Link every ApiCall made inside the block to this RMA / return."""
        previous = dict(self._log_context)
        self._log_context = {"rma_id": rma_id, "return_obj_id": return_obj_id}
        try:
            yield
        finally:
            self._log_context = previous

    # -- hooks for providers -------------------------------------------------------------------

    def error_message(self, response: requests.Response) -> str:
        """The provider's own words from an error response: its message and, where it lists them, the
        details ("Validation failed: body.items[0].sku: product 'X' does not exist"), which say what to fix."""
        data = _json_or_none(response)
        if isinstance(data, dict):
            for key in ("error", "message", "detail", "errors", "title"):
                value = data.get(key)
                details: Any = data.get("details") if key != "errors" else None
                if key in ("error", "message") and isinstance(data.get("errors"), list):
                    details = data["errors"]
                if isinstance(value, dict):
                    details = value.get("details") or details
                    value = value.get("message") or json.dumps(value)
                if isinstance(value, list):
                    value = _joined(value)
                if value:
                    listed = _joined(details) if isinstance(details, list) else ""
                    return f"{value}: {listed}" if listed and listed not in str(value) else str(value)
            inner = data.get("data")
            if isinstance(inner, dict) and inner.get("message"):
                return str(inner["message"])
        return (response.text or response.reason or "")[:500]

    def retry_after(self, response: requests.Response) -> float | None:
        """Seconds to wait before the next try, from the response headers."""
        return parse_retry_after(response.headers.get("Retry-After"))

    def rate_limit_bucket(self, method: str) -> str:
        return "all"

    def changes_something(self, method: str, operation: str) -> bool:
        """The call asks the provider to change something (an answer proves the work goes through, for the
        circuit breaker); a read does not. By HTTP method unless the provider tunnels reads through POST."""
        return method.upper() not in ("GET", "HEAD", "OPTIONS")

    # -- the one request path --------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str = "",
    ) -> requests.Response:
        """Send one request, log it as an ApiCall and raise the taxonomy's error on failure."""
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        in_transaction = transaction.get_connection().in_atomic_block
        request_sending.send(sender=type(self), operation=operation, in_transaction=in_transaction)
        if in_transaction:
            logger.warning("%s %s requested inside a database transaction", self.provider, operation)
        breaker = getattr(self, "breaker", None)
        try:
            if breaker is not None:
                breaker.before_request(what=operation)  # an open breaker refuses: nothing sent, nothing logged
            self._throttle(method)
        except ProviderThrottled as refused:
            answer = "circuit_open" if isinstance(refused, ProviderCircuitOpen) else "throttled"
            metrics.provider_answers.labels(self.provider, answer).inc()
            raise
        request_headers = dict(headers or {})
        if idempotency_key:
            request_headers["Idempotency-Key"] = idempotency_key
        started = time.monotonic()
        response: requests.Response | None = None
        error: ProviderError | None = self._destination_error(url)
        try:
            if error is None:
                response = self.session.request(
                    method,
                    url,
                    json=json_body,
                    params=params,
                    headers=request_headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
        except RefusedAddress as exc:
            error = ProviderDestinationRefused(f"{self.provider}: {exc}")
        except requests.exceptions.ConnectTimeout as exc:
            error = ProviderUnavailable(f"could not connect to {self.provider} in time ({type(exc).__name__})")
        except requests.exceptions.Timeout:
            # The request may have been applied: callers resolve this by looking the object up.
            error = ProviderTimeout(f"{self.provider} did not answer within {self.timeout[1]:g}s")
        except requests.exceptions.RequestException as exc:
            error = ProviderUnavailable(f"could not reach {self.provider} ({type(exc).__name__})")
        duration_ms = int((time.monotonic() - started) * 1000)
        if response is not None:
            error = self._error_for(response)
        api_call_id = self._log(
            method=method,
            url=response.url if response is not None else url,
            operation=operation,
            request_headers={**dict(self.session.headers), **request_headers},
            request_body=json_body,
            response=response,
            duration_ms=duration_ms,
            error=error,
            idempotency_key=idempotency_key,
        )
        self.last_api_call_id = api_call_id
        metrics.provider_answers.labels(self.provider, _answer(response, error)).inc()
        if error is not None:
            error.api_call_id = api_call_id
        if breaker is not None:
            breaker.after_request(error, changes_something=self.changes_something(method, operation))
        if error is not None:
            if isinstance(error, ProviderDestinationRefused):
                self._record_on_connection(error)
            raise error
        assert response is not None  # noqa: S101 - no error means we have a response
        return response

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """request(), then the parsed JSON body (None for an empty body)."""
        response = self.request(method, path, **kwargs)
        return _json_or_none(response)

    # -- internals -------------------------------------------------------------------------------

    def _throttle(self, method: str) -> None:
        if self.connection_id is None:
            return
        wait = ratelimit.acquire(
            key=f"conn:{self.connection_id}:{self.rate_limit_bucket(method)}", limit=self.rate_limit
        )
        if wait:
            message = f"per-connection rate limit {self.rate_limit} reached; nothing sent"
            raise ProviderThrottled(message, retry_after=countdown_bounded(wait))

    def _destination_error(self, url: str) -> ProviderError | None:
        """Refuse before sending: a withheld credential; a URL the HTTP library would read otherwise than we do
        (a backslash, a user name before the host); any origin but the connection's own. The last is the rule
        for redirects too: an absolute URL from an answer (a next-page link) takes our credentials nowhere else."""
        if self.withheld:
            return ProviderDestinationRefused(f"{self.provider}: {self.withheld}")
        try:
            target = request_origin(url)
            own = request_origin(self.base_url)
        except UnsafeDestination as exc:
            return ProviderDestinationRefused(f"{self.provider}: refused to send a request: {exc}")
        if target == own:
            return None
        return ProviderDestinationRefused(
            f"{self.provider}: refused to send a request to {target.host}, which is not the connection's host"
        )

    def _error_for(self, response: requests.Response) -> ProviderError | None:
        status = response.status_code
        if 300 <= status < 400:
            host = _location_host(response)
            return ProviderDestinationRefused(
                f"{self.provider} answered {status} redirecting to {host}: redirects are "
                "not followed, so our credentials go nowhere else; set the connection's URL to the final address",
                status_code=status,
                redirect_host=host,
            )
        if status < 400:
            return None
        # The provider's words end up in text columns (ApiCall, Connection.last_error): no NUL, no lone surrogate.
        message = storable_text(self._scrub(self.error_message(response)))[:1000]
        text = f"{self.provider} answered {status}: {message}"
        # Every wait a provider asks for passes the one bound (a client's retry_after may add its own headers).
        retry_after = countdown_bounded(self.retry_after(response))
        if status == 429:
            return ProviderRateLimited(text, status_code=status, retry_after=retry_after)
        if status in (410, 501):
            return ProviderConfigurationError(text, status_code=status)
        if status >= 500 or status in self.transient_statuses:
            return ProviderUnavailable(text, status_code=status, retry_after=retry_after)
        if status in (401, 403):
            return ProviderAuthError(text, status_code=status)
        return ProviderRejected(text, status_code=status)

    def _record_on_connection(self, error: ProviderError) -> None:
        """A refused destination is the connection's to fix: show it there too (support and the merchant look there)."""
        if self.connection_id is None:
            return
        from integrations.models import Connection

        Connection.objects.filter(pk=self.connection_id).update(
            last_error=self._scrub(error.message)[:2000], updated_at=timezone.now()
        )

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        # Our own webhook URLs (registration calls and their answers) carry endpoint tokens.
        return mask_endpoint_tokens(text)

    def _body_text(self, body: Any) -> str:
        """The body as stored on the ApiCall: display.body_for_display's text (JSON redacted while it is
        shallow and small enough, else the raw text; NUL and lone surrogates made visible, no recursion
        on deep nesting), with the connection's secret values scrubbed, cut to MAX_LOGGED_BODY."""
        if body is None or body == "":
            return ""
        if not isinstance(body, bytes | str):
            body = json.dumps(body, default=str)  # a body we built: a dict or list of our own values
        return self._scrub(body_for_display(body, indent=None))[:MAX_LOGGED_BODY]

    def _log(
        self,
        *,
        method: str,
        url: str,
        operation: str,
        request_headers: dict[str, Any],
        request_body: Any,
        response: requests.Response | None,
        duration_ms: int,
        error: ProviderError | None,
        idempotency_key: str,
    ) -> int:
        from integrations.models import ApiCall

        headers = {k: self._scrub(str(v)) for k, v in redact(request_headers).items()}
        call = ApiCall.objects.create(
            connection_id=self.connection_id,
            provider=self.provider,
            operation=operation[:80],
            method=method.upper(),
            url=self._scrub(url)[:1000],
            request_headers=headers,
            request_body=self._body_text(request_body),
            status_code=response.status_code if response is not None else None,
            response_body=self._body_text(response.content) if response is not None else "",
            duration_ms=duration_ms,
            error_class=type(error).__name__ if error else "",
            error_message=self._scrub(error.message) if error else "",
            idempotency_key=idempotency_key[:255],
            rma_id=self._log_context["rma_id"],
            return_obj_id=self._log_context["return_obj_id"],
        )
        return call.pk


def _answer(response: requests.Response | None, error: ProviderError | None) -> str:
    """The HTTP status, or why there was none, as the provider_answers metric counts it."""
    if response is not None:
        return str(response.status_code)
    if isinstance(error, ProviderTimeout):
        return "timeout"
    if isinstance(error, ProviderDestinationRefused):
        return "refused"
    return "unreachable"


def _location_host(response: requests.Response) -> str:
    """The host a redirect points at (relative Locations stay on the same host), never its path or query."""
    location = response.headers.get("Location", "")
    if not location:
        return "(no Location header)"
    try:
        return urlsplit(urljoin(response.url, location)).hostname or "(an unreadable Location)"
    except ValueError:
        return "(an unreadable Location)"


def _joined(items: list[Any]) -> str:
    return "; ".join(str(v.get("message", v)) if isinstance(v, dict) else str(v) for v in items)[:800]


def _json_or_none(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
