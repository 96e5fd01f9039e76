"""One error taxonomy for every provider, so retry policy is written once.

Only ProviderTransientError (and its subclasses) is retried by tasks.
"""


class ProviderError(Exception):
    """A provider call failed. `message` is the provider's own words where it gave any."""

    def __init__(self, message: str, *, status_code: int | None = None, api_call_id: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.api_call_id = api_call_id


class ProviderTransientError(ProviderError):
    """Worth retrying later: timeouts, 5xx, 429."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
        api_call_id: int | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, api_call_id=api_call_id)
        self.retry_after = retry_after


class ProviderTimeout(ProviderTransientError):
    """No answer in time. The request may or may not have been applied (ambiguous)."""


class ProviderUnavailable(ProviderTransientError):
    """Connection refused, 5xx, or a 409 'still in progress'."""


class ProviderRateLimited(ProviderTransientError):
    """429: wait at least retry_after seconds."""


class ProviderThrottled(ProviderRateLimited):
    """Our own per-connection rate limit was hit: nothing was sent, wait retry_after seconds."""


class ProviderCircuitOpen(ProviderThrottled):
    """The connection's circuit breaker is open (integrations/circuit_breaker.py): nothing was sent, wait
    retry_after seconds for its next trial."""


class ProviderPermanentError(ProviderError):
    """Retrying the same request will fail the same way."""


class ProviderAuthError(ProviderPermanentError):
    """401 / 403: bad or insufficient credentials."""


class ProviderRejected(ProviderPermanentError):
    """400 / 404 / 422 ...: the provider refused the request (validation, unknown SKU)."""


class ProviderSettingWrong(ProviderRejected):
    """The provider answered, and its answer shows that one of the connection's settings is wrong (a ShipBob
    channel the token does not have): `field` names the Connection field, the message says what to change."""

    def __init__(self, message: str, *, field: str, api_call_id: int | None = None) -> None:
        super().__init__(message, api_call_id=api_call_id)
        self.field = field


class ProviderConfigurationError(ProviderPermanentError):
    """410 / 501, or a connection missing what the call needs."""


class ProviderDestinationRefused(ProviderConfigurationError):
    """We refused to send: the address is not public, or the provider answered with a redirect.

    The connection's URL has to change, so the HTTP base also records the message on the connection.
    `redirect_host` is where a redirect pointed (its host only), for telling the merchant."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        api_call_id: int | None = None,
        redirect_host: str = "",
    ) -> None:
        super().__init__(message, status_code=status_code, api_call_id=api_call_id)
        self.redirect_host = redirect_host


class UnsupportedCapability(ProviderConfigurationError):
    """The provider (or the WMS behind TrackStar) cannot do this."""

    def __init__(self, provider: str, capability: str) -> None:
        super().__init__(f"{provider} does not support {capability}")
        self.provider = provider
        self.capability = capability
