from django.apps import AppConfig


class WarehousesConfig(AppConfig):
    name = "warehouses"
    verbose_name = "Warehouses"

    def ready(self) -> None:
        from integrations.handlers import inbound_event_handler_register
        from integrations.inbound import InboundFulfillmentEvent
        from warehouses.services import fulfillment_event_apply

        inbound_event_handler_register(InboundFulfillmentEvent, apply=fulfillment_event_apply)
