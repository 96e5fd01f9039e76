"""The merchant's pages that act through returns' services: retrying an RMA (the return's page is
integrations/merchant/), and the store's orphan receipts, linked to a return or dismissed (integrations never
imports a returns service, so returns serves these)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.exceptions import ApplicationError
from integrations import access
from integrations.models import Store
from integrations.wizard.views import forbidden, requires, wizard_view
from returns import selectors
from returns.models import RMA, OrphanReceipt
from returns.services.orphans.link import orphan_receipt_dismiss, orphan_receipt_link
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


# -- orphan receipts: the store's inbox of parcels that matched no RMA ------------------------------------------

RECEIPT_STATES = tuple(OrphanReceipt.State.values)
RECEIPTS_PAGE_SIZE = 25


@wizard_view
@requires("orphan_receipt.view")
@require_GET
def orphan_receipts(request: HttpRequest, store: Store) -> HttpResponse:
    """The store's orphan receipts: waiting for a person (the inbox), linked, or dismissed."""
    state = request.GET.get("state", OrphanReceipt.State.OPEN)
    state = state if state in RECEIPT_STATES else OrphanReceipt.State.OPEN
    page = Paginator(selectors.orphan_receipts(store_id=store.pk, state=state), RECEIPTS_PAGE_SIZE).get_page(
        request.GET.get("page") or 1
    )
    counts = selectors.orphan_receipt_counts(store_id=store.pk)
    context = {
        "store": store,
        "store_page": "receipts",
        "page": page,
        "state": state,
        "tabs": [(value, label, counts.get(value, 0)) for value, label in OrphanReceipt.State.choices],
    }
    return render(request, "setup/store/receipts.html", context)


def _receipt_page(
    request: HttpRequest, store: Store, orphan: OrphanReceipt, *, status: int = 200, **errors: str
) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    context = {
        "store": store,
        "store_page": "receipts",
        "orphan": orphan,
        "lines": orphan.lines if isinstance(orphan.lines, list) else [],
        "choices": selectors.orphan_receipt_choices(orphan=orphan, query=query),
        "query": query,
        "can_link": access.can(request.user, "orphan_receipt.link", store),
        "can_dismiss": access.can(request.user, "orphan_receipt.dismiss", store),
        "reason": request.POST.get("reason", "")[:500] if request.method == "POST" else "",
        **errors,
    }
    return render(request, "setup/store/receipt.html", context, status=status)


def _target(value: str) -> tuple[int, int | None] | None:
    """The radio's value: "<return id>" or "<return id>:<rma id>"."""
    return_id, _, rma_id = value.partition(":")
    if not return_id.isdigit() or len(return_id) > 18 or (rma_id and (not rma_id.isdigit() or len(rma_id) > 18)):
        return None
    return int(return_id), int(rma_id) if rma_id else None


@wizard_view
@requires("orphan_receipt.view")
@require_http_methods(["GET", "POST"])
def orphan_receipt_detail(request: HttpRequest, store: Store, pk: int) -> HttpResponse:
    """One orphan receipt: what arrived and how it could be matched; members link it to a return, owners dismiss it."""
    orphan = get_object_or_404(
        OrphanReceipt.objects.select_related("warehouse_connection", "return_obj", "rma"), pk=pk, store=store
    )
    if request.method != "POST":
        return _receipt_page(request, store, orphan)
    action = request.POST.get("action", "")
    by = request.user.get_username()
    if action == "link":
        if not access.can(request.user, "orphan_receipt.link", store):
            return forbidden(request, store, "orphan_receipt.link")
        target = _target(request.POST.get("target", ""))
        if target is None:
            return _receipt_page(request, store, orphan, status=422, link_error="Choose the return it belongs to.")
        try:
            linked = orphan_receipt_link(orphan_id=orphan.pk, return_id=target[0], rma_id=target[1], by=by)
        except ApplicationError as exc:
            orphan.refresh_from_db()
            return _receipt_page(request, store, orphan, status=422, link_error=str(exc))
        messages.success(request, f"{linked.note}. What the warehouse received is applied to the return.")
        return redirect("setup:return_detail", slug=store.slug, pk=linked.return_obj_id)
    if action == "dismiss":
        if not access.can(request.user, "orphan_receipt.dismiss", store):
            return forbidden(request, store, "orphan_receipt.dismiss")
        try:
            orphan_receipt_dismiss(orphan_id=orphan.pk, reason=request.POST.get("reason", ""), by=by)
        except ApplicationError as exc:
            orphan.refresh_from_db()
            return _receipt_page(request, store, orphan, status=422, dismiss_error=str(exc))
        messages.success(request, f"Orphan receipt #{orphan.pk} dismissed.")
        return redirect("orphan_receipts", slug=store.slug)
    return _receipt_page(request, store, orphan, status=422, link_error="Choose what to do: link it or dismiss it.")
