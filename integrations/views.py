"""The webhook endpoint: store, verify, queue, answer. No business logic here."""

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.services.webhooks import webhook_receive


# Non-atomic: the stored row must commit even when verification fails, and the task is
# published only after that commit (never from inside a request transaction).
@csrf_exempt
@transaction.non_atomic_requests
@require_POST
def webhook_receive_view(request: HttpRequest, provider: str, endpoint_token: str) -> HttpResponse:
    """POST /webhooks/<provider>/<endpoint_token>/ — answers at once; a worker does the work."""
    result = webhook_receive(
        provider=provider,
        endpoint_token=endpoint_token,
        headers=dict(request.headers),
        body=request.body,
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
    return HttpResponse(f"{result.message}\n", status=result.status_code, content_type="text/plain; charset=utf-8")
