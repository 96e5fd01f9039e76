"""After go-live, /setup/ is the merchant's home for each store: returns, what needs them, connection health."""

import html
from typing import Any

import pytest
import responses
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import Connection, Store
from returns.models import RMA, TimelineEvent
from tests.factories import ReturnFactory, ReturnLineFactory, RMAFactory, RMALineFactory
from warehouses.models import ShippingLocation

pytestmark = pytest.mark.django_db
SHIPMONK = "https://api.shipmonk.com"


def url(store: Store, name: str, **kwargs: Any) -> str:
    return reverse(f"setup:{name}", kwargs={"slug": store.slug, **kwargs})


@pytest.fixture
def live(store: Store) -> dict[str, Any]:
    now = timezone.now()
    loop = Connection.objects.create(
        store=store, role="returns_platform", provider="loop", api_key="k", webhook_secret="s",
        status="active", last_success_at=now, last_webhook_at=now,
    )  # fmt: skip
    wms = Connection.objects.create(
        store=store, role="warehouse", provider="shipmonk", api_key="k", external_account_id="1",
        status="active", last_success_at=now,
    )  # fmt: skip
    west = ShippingLocation.objects.create(
        store=store, name="West", warehouse_connection=wms, wms_warehouse_code="CA1", is_default=True
    )
    return {"loop": loop, "wms": wms, "west": west}


def _return(store: Store, live: dict[str, Any], order: str, *, status: str = "submitted", state: str = "open") -> Any:
    ret = ReturnFactory(
        store=store, connection=live["loop"], order_name=order, order_number=order.lstrip("#"), state=state
    )
    ReturnLineFactory(return_obj=ret, sku="TEE-M", quantity=2, reason="Too small")
    rma = RMAFactory(
        return_obj=ret, warehouse_connection=live["wms"], location=live["west"], number=order.lstrip("#"), status=status
    )
    RMALineFactory(rma=rma, sku="100234", platform_sku="TEE-M", quantity=2)
    TimelineEvent.objects.create(return_obj=ret, kind="return_created", message="Return created in Loop")
    TimelineEvent.objects.create(
        return_obj=ret, rma=rma, kind="rma_submitted", message=f"ShipMonk RMA {rma.number} created at CA1"
    )
    return ret


def test_a_live_store_opens_on_its_overview(merchant_client: Client, store: Store, live: dict[str, Any]) -> None:
    assert merchant_client.get(url(store, "resume"))["Location"] == url(store, "home")
    page = merchant_client.get(url(store, "home")).content.decode()
    assert "Nothing needs your action." in page
    assert "Test Loop again" in page
    assert "Test ShipMonk again" in page
    assert "Last webhook received" in page


def test_what_needs_the_merchant_with_reason_and_fix(
    merchant_client: Client, store: Store, live: dict[str, Any]
) -> None:
    Connection.objects.filter(pk=live["wms"].pk).update(
        status="credentials_rejected",
        status_before_rejection="active",
        health_message="Credentials rejected by ShipMonk: shipmonk answered 401: Invalid API key",
    )
    stuck = _return(store, live, "#1077", status="needs_attention")
    RMA.objects.filter(return_obj=stuck).update(last_error="shipmonk answered 422: items[0].sku: unknown SKU 100234")
    ShippingLocation.objects.create(store=store, name="East")
    page = html.unescape(merchant_client.get(url(store, "home")).content.decode())
    assert "ShipMonk rejected the credentials" in page
    assert "Credentials rejected by ShipMonk: shipmonk answered 401: Invalid API key" in page
    assert f'href="{url(store, "warehouse")}"' in page
    assert "RMA 1077 (order #1077) needs attention" in page
    # A sentence, with the provider's own words quoted: not its raw first error line.
    assert "ShipMonk refused it (HTTP 422), saying “items[0].sku: unknown SKU 100234”." in page
    assert "shipmonk answered 422" not in page
    assert "ShipMonk does not know one of the SKUs sent (100234)" in page
    assert "East has no warehouse" in page


def test_returns_are_searchable_by_order_and_filterable_by_state(
    merchant_client: Client, store: Store, live: dict[str, Any]
) -> None:
    _return(store, live, "#1042")
    _return(store, live, "#1077", status="needs_attention")
    _return(store, live, "#2001", state="closed")

    def orders(**params: str) -> list[str]:
        page = merchant_client.get(url(store, "returns"), params).context["page"]
        return sorted(r.order_name for r in page.object_list)

    assert orders() == ["#1042", "#1077", "#2001"]
    assert orders(q="#1042") == ["#1042"]
    assert orders(q="1077") == ["#1077"]
    assert orders(state="closed") == ["#2001"]
    assert orders(state="needs_attention") == ["#1077"]
    assert orders(q="nothing-like-it") == []


def test_a_return_shows_its_rmas_where_they_went_and_its_timeline(
    merchant_client: Client, store: Store, live: dict[str, Any]
) -> None:
    ret = _return(store, live, "#1042")
    page = html.unescape(merchant_client.get(url(store, "return_detail", pk=ret.pk)).content.decode())
    assert "Return for order #1042" in page
    assert "RMA 1042" in page
    assert "Submitted to the warehouse" in page
    assert "Sent to ShipMonk, West (CA1)." in page
    assert "<td>100234</td><td>TEE-M</td><td>2</td>" in page
    assert "ShipMonk RMA 1042 created at CA1" in page


def test_the_merchant_retries_an_rma_after_fixing_it(
    merchant_client: Client, store: Store, live: dict[str, Any]
) -> None:
    ret = _return(store, live, "#1077", status="needs_attention")
    rma = ret.rmas.get()
    retry = reverse("merchant_rma_retry", kwargs={"slug": store.slug, "pk": rma.pk})
    response = merchant_client.post(retry, follow=True)
    assert "RMA 1077 is queued again." in response.content.decode()
    rma.refresh_from_db()
    assert rma.status == RMA.Status.PENDING


@responses.activate
def test_test_again_resumes_a_connection_whose_credentials_work_again(
    merchant_client: Client, store: Store, live: dict[str, Any]
) -> None:
    Connection.objects.filter(pk=live["wms"].pk).update(status="credentials_rejected", status_before_rejection="active")
    responses.get(f"{SHIPMONK}/v1/integrations/warehouses", json={"data": [{"identifier": "CA1", "name": "CA"}]})
    response = merchant_client.post(url(store, "connection_test", pk=live["wms"].pk), follow=True)
    assert response.status_code == 200
    assert "ShipMonk: ShipMonk answered" in response.content.decode()
    live["wms"].refresh_from_db()
    assert live["wms"].status == "active"


def test_a_second_merchant_is_refused_everywhere(
    client: Client, store: Store, live: dict[str, Any], other_store: Store, django_user_model: Any
) -> None:
    from integrations.models import StoreMembership

    ret = _return(store, live, "#1042", status="needs_attention")
    rma = ret.rmas.get()
    intruder = django_user_model.objects.create_user(username="eve", password="x")
    StoreMembership.objects.create(store=other_store, user=intruder, role=StoreMembership.Role.OWNER)
    client.force_login(intruder)
    own = {"slug": other_store.slug}
    gets = [
        reverse(f"setup:{name}", kwargs={"slug": store.slug})
        for name in ("resume", "platform", "warehouse", "locations", "rules", "test", "live", "home", "returns")
    ] + [
        url(store, "return_detail", pk=ret.pk),
        url(store, "location_edit", pk=live["west"].pk),
        # The other store's objects under the intruder's own store are not found either.
        reverse("setup:return_detail", kwargs={**own, "pk": ret.pk}),
        reverse("setup:location_edit", kwargs={**own, "pk": live["west"].pk}),
    ]
    for page in gets:
        assert client.get(page).status_code == 404, page
    posts = [
        url(store, "connection_test", pk=live["wms"].pk),
        reverse("merchant_rma_retry", kwargs={"slug": store.slug, "pk": rma.pk}),
        reverse("setup:connection_test", kwargs={**own, "pk": live["wms"].pk}),
        reverse("merchant_rma_retry", kwargs={**own, "pk": rma.pk}),
        url(store, "platform"),
        url(store, "live"),
    ]
    for page in posts:
        assert client.post(page, {}).status_code == 404, page
    rma.refresh_from_db()
    assert rma.status == RMA.Status.NEEDS_ATTENTION
    assert set(store.connections.values_list("status", flat=True)) == {"active"}


@pytest.mark.parametrize(
    ("stored", "said"),
    [
        ("fulfilled from CA1 (order #1042)", "CA1 shipped order #1042, so the return goes back to the same warehouse."),
        (
            "platform destination dest-west",
            "Loop sent this return to its destination “dest-west”, which you linked to this shipping location.",
        ),
        (
            "order found in the WMS at CA1",
            "Your warehouse system shows the original order was shipped from CA1, so the return goes there.",
        ),
        (
            "store default location",
            "Nothing in the return pointed to a particular warehouse, so it went to your default shipping location.",
        ),
    ],
)
def test_why_an_rma_went_where_it_did_is_a_sentence_not_a_code(
    merchant_client: Client, store: Store, live: dict[str, Any], stored: str, said: str
) -> None:
    ret = _return(store, live, "#1042")
    ret.rmas.update(routing_reason=stored)
    page = html.unescape(merchant_client.get(url(store, "return_detail", pk=ret.pk)).content.decode())
    assert f"Why there: {said}" in page
    assert stored not in page
