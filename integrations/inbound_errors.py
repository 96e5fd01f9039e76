"""What verifying and parsing a webhook can say back: a verification result and the two parse outcomes that
are not events (garbage, and "not yet")."""

from dataclasses import dataclass


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    reason: str = ""


class WebhookParseError(ValueError):
    """The body is not JSON or not a shape we know: answered 400 with this one-line reason."""


class WebhookRetryLater(Exception):
    """The event depends on something not there yet (a label before its return): retry with a countdown."""
