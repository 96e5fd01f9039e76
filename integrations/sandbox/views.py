"""The sandbox's own control endpoint (no real provider has it); each simulated provider's API is
in `integrations/providers/<slug>/sandbox.py`."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from integrations.sandbox.endpoint import json_body
from integrations.sandbox.models import SandboxAccount, SandboxReturn
from integrations.sandbox.services import RECEIVE_MODES, sandbox_receive


@csrf_exempt
def control_receive(request: HttpRequest, provider: str, key: str) -> HttpResponse:
    """POST {"rma": ..., "mode": fully_received|short|excess|damaged}: tell a sandbox WMS to receive an RMA."""
    account = SandboxAccount.objects.filter(provider=provider, key=key).first()
    if account is None:
        return JsonResponse({"error": "unknown sandbox account"}, status=404)
    if request.method != "POST":
        return JsonResponse({"error": "POST only"}, status=405)
    body, problem = json_body(request)
    if problem or not isinstance(body, dict) or body.get("mode") not in RECEIVE_MODES:
        return JsonResponse({"error": f"expected {{rma, mode}} with mode in {', '.join(RECEIVE_MODES)}"}, status=400)
    sandbox_return = SandboxReturn.objects.filter(account=account, rma_number=body.get("rma")).first()
    if sandbox_return is None:
        return JsonResponse({"error": f"no sandbox RMA {body.get('rma')!r}"}, status=404)
    sandbox_receive(sandbox_return=sandbox_return, mode=body["mode"])
    return JsonResponse({"rma": sandbox_return.rma_number, "status": sandbox_return.status})
