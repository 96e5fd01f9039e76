"""factory_boy factories shared by every test package."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from integrations.models import Connection, InboundWebhook, Store
from returns.models import RMA, Return, ReturnLine, ReturnShipment, RMALine
from warehouses.models import Fulfillment, LocationDestination, ShippingLocation


class StoreFactory(DjangoModelFactory[Store]):
    class Meta:
        model = Store

    name = factory.Sequence(lambda n: f"Store {n}")
    slug = factory.Sequence(lambda n: f"store-{n}")


class ConnectionFactory(DjangoModelFactory[Connection]):
    """A Loop connection by default; pass provider=... (the role follows the provider)."""

    class Meta:
        model = Connection

    store = factory.SubFactory(StoreFactory)
    provider = "loop"
    role = factory.LazyAttribute(
        lambda o: Connection.Role.RETURNS_PLATFORM if o.provider in ("loop", "redo") else Connection.Role.WAREHOUSE
    )
    status = Connection.Status.ACTIVE
    api_key = "test-api-key"
    webhook_secret = factory.LazyAttribute(
        # TrackStar (Svix) and ShipBob (Standard Webhooks) secrets are whsec_<base64 key>.
        lambda o: (
            "whsec_dGVzdC1zdml4LXNpZ25pbmcta2V5LTAxMjM0NTY3OA=="
            if o.provider in ("trackstar", "shipbob")
            else "test-webhook-secret"
        )
    )
    webhook_username = factory.LazyAttribute(lambda o: "shipmonk" if o.provider == "shipmonk" else "")
    webhook_password = factory.LazyAttribute(lambda o: "test-basic-password" if o.provider == "shipmonk" else "")


class ShippingLocationFactory(DjangoModelFactory[ShippingLocation]):
    class Meta:
        model = ShippingLocation
        skip_postgeneration_save = True  # the destinations hook writes rows of its own, not the location

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    warehouse_connection = factory.SubFactory(
        ConnectionFactory, store=factory.SelfAttribute("..store"), provider="shipmonk"
    )
    wms_warehouse_code = "CA1"

    @factory.post_generation
    def destinations(self, create: bool, extracted: dict[str, str] | None, **kwargs: object) -> None:
        """`destinations={"loop": "dest_ca1"}`: each returns platform's id for the location."""
        for provider, external_id in (extracted or {}).items():
            LocationDestination.objects.create(location=self, provider=provider, external_id=external_id)


class ReturnFactory(DjangoModelFactory[Return]):
    class Meta:
        model = Return

    store = factory.SubFactory(StoreFactory)
    connection = factory.SubFactory(ConnectionFactory, store=factory.SelfAttribute("..store"))
    platform = "loop"
    external_id = factory.Sequence(lambda n: str(880000 + n))
    order_name = factory.Sequence(lambda n: f"#{1000 + n}")
    state = "open"
    platform_updated_at = factory.LazyFunction(lambda: dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC))


class ReturnLineFactory(DjangoModelFactory[ReturnLine]):
    class Meta:
        model = ReturnLine

    return_obj = factory.SubFactory(ReturnFactory)
    sku = "TEE-BLK-M"
    line_key = factory.LazyAttribute(lambda o: o.sku)
    quantity = 1


class ReturnShipmentFactory(DjangoModelFactory[ReturnShipment]):
    class Meta:
        model = ReturnShipment

    return_obj = factory.SubFactory(ReturnFactory)
    carrier = "USPS"
    tracking_number = factory.Sequence(lambda n: f"94001000000000000{n:05d}")
    shipment_key = factory.LazyAttribute(lambda o: o.tracking_number)


class RMAFactory(DjangoModelFactory[RMA]):
    class Meta:
        model = RMA

    return_obj = factory.SubFactory(ReturnFactory)
    store = factory.SelfAttribute("return_obj.store")
    warehouse_connection = factory.SubFactory(
        ConnectionFactory, store=factory.SelfAttribute("..store"), provider="shipmonk"
    )
    number = factory.Sequence(lambda n: f"{1042 + n}")
    order_name = factory.SelfAttribute("return_obj.order_name")
    idempotency_key = factory.Sequence(lambda n: f"rma-test-{n}")
    status = RMA.Status.SUBMITTED


class RMALineFactory(DjangoModelFactory[RMALine]):
    class Meta:
        model = RMALine

    rma = factory.SubFactory(RMAFactory)
    sku = "TEE-BLK-M"
    platform_sku = factory.SelfAttribute("sku")
    quantity = 2


class FulfillmentFactory(DjangoModelFactory[Fulfillment]):
    class Meta:
        model = Fulfillment

    store = factory.SubFactory(StoreFactory)
    shipment_key = factory.Sequence(lambda n: f"shipment-{n}")
    order_number = factory.Sequence(lambda n: f"#{1000 + n}")
    warehouse_code = "CA1"


class InboundWebhookFactory(DjangoModelFactory[InboundWebhook]):
    class Meta:
        model = InboundWebhook

    connection = factory.SubFactory(ConnectionFactory)
    store = factory.SelfAttribute("connection.store")
    provider = factory.SelfAttribute("connection.provider")
    body = b"{}"
    headers = factory.LazyFunction(dict)
