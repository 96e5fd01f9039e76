"""The project's URLs plus the two read-only sandbox endpoints the step-1 live checks call.

The sandbox (integrations/sandbox) does not simulate Loop's GET /warehouse/return/list or
Redo's GET /stores/{id}/returns yet, which LoopClient / RedoClient.test_connection() call.
These stand-ins use the sandbox's own decorator, so the credential check is the sandbox's.
Remove this module once the sandbox serves both paths.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns
from integrations.models import Provider
from integrations.sandbox.models import SandboxAccount
from integrations.sandbox.views import sandbox_endpoint


@sandbox_endpoint(Provider.LOOP)
def loop_return_list(request: HttpRequest, account: SandboxAccount) -> HttpResponse:
    return JsonResponse({"returns": []})


@sandbox_endpoint(Provider.REDO)
def redo_store_returns(request: HttpRequest, account: SandboxAccount, store_id: str) -> HttpResponse:
    return JsonResponse({"returns": [], "orders": []})


urlpatterns = [
    path("sandbox/loop/<str:key>/warehouse/return/list", loop_return_list),
    path("sandbox/redo/<str:key>/stores/<str:store_id>/returns", redo_store_returns),
    *project_urlpatterns,
]
