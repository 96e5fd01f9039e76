"""The merchant's actions on their RMAs (the pages that show them are integrations/merchant/)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from config.exceptions import ApplicationError
from integrations.models import Store
from integrations.wizard.views import requires, wizard_view
from returns.models import RMA
from returns.services.rmas.support import rma_retry as rma_retry_service


@wizard_view
@requires("rma.retry")
@require_POST
def rma_retry(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """Send an RMA that needed attention again, once the merchant has fixed the cause (another store's: 404)."""
    rma = get_object_or_404(RMA, pk=pk, store=store)
    try:
        rma_retry_service(rma_id=rma.pk)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"RMA {rma.number} is queued again.")
    return redirect("setup:return_detail", slug=store.slug, pk=rma.return_obj_id)
