"""The webhook endpoint: read the request, hand it to webhook_receive, answer. No business logic here."""

from csp.decorators import csp_exempt
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from config import metrics
from config.client_ip import client_ip
from integrations.registry import is_provider
from integrations.services.webhooks import ReceiveResult, webhook_receive

# What became of a request, for the metrics: by the answer it got.
OUTCOMES = {
    202: "accepted",
    400: "unreadable",
    401: "unverified",
    404: "unknown_endpoint",
    405: "wrong_method",
    413: "too_large",
    429: "limited",
}


def _outcome(result: ReceiveResult) -> str:
    if result.status_code == 200:
        return "duplicate" if result.message == "duplicate" else "ignored"
    return OUTCOMES.get(result.status_code, str(result.status_code))


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _read_body(request: HttpRequest, *, limit: int) -> tuple[bytes, int]:
    """At most limit + 1 bytes of the body, and its length; nothing when Content-Length is already over
    the limit (then that is the length). Reading stops there: an oversized body is never read to its
    end, so a client that declares gigabytes and trickles them holds no worker.

    request.body is not used: past DATA_UPLOAD_MAX_MEMORY_SIZE it raises before anything is
    stored, and this endpoint accounts for every request."""
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        return b"", declared
    kept = request.read(limit + 1)
    return kept, len(kept)


# Non-atomic: the stored row must commit even when verification fails, and the task is
# published only after that commit (never from inside a request transaction). Every method is
# let in, so a GET or PUT is accounted for too before it is answered 405.
@csrf_exempt
@csp_exempt()  # type: ignore[arg-type]  # (its stub types views as taking only the request) a plain-text answer: no policy to build
@transaction.non_atomic_requests
def webhook_receive_view(request: HttpRequest, provider: str, endpoint_token: str) -> HttpResponse:
    """POST /webhooks/<provider>/<endpoint_token>/ — answers at once; a worker does the work."""
    body, body_length = _read_body(request, limit=settings.WEBHOOK_MAX_BODY_BYTES)
    result = webhook_receive(
        provider=provider,
        endpoint_token=endpoint_token,
        method=request.method or "",
        headers=dict(request.headers),
        body=body,
        body_length=body_length,
        remote_addr=client_ip(request),
    )
    metrics.webhooks_received.labels(provider if is_provider(provider) else "unknown", _outcome(result)).inc()
    # The one-line reason may quote the payload (a lone surrogate from JSON's "\ud800" cannot be UTF-8): replaced.
    answer = f"{result.message}\n".encode("utf-8", "replace")
    response = HttpResponse(answer, status=result.status_code, content_type="text/plain; charset=utf-8")
    if result.status_code == 405:
        response["Allow"] = "POST"
    if result.retry_after is not None:
        response["Retry-After"] = str(result.retry_after)
    return response
