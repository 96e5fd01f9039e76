"""/sandbox/<provider>/<account key>/… — mounted only when settings.SANDBOX_ENABLED."""

from django.urls import path

from integrations.sandbox import views

urlpatterns = [
    # ShipMonk (base https://api.shipmonk.com)
    path("shipmonk/<str:key>/v1/integrations/returns", views.shipmonk_returns),
    path("shipmonk/<str:key>/v1/integrations/returns-list", views.shipmonk_returns_list),
    path("shipmonk/<str:key>/v1/integrations/warehouses", views.shipmonk_warehouses),
    path("shipmonk/<str:key>/v1/integrations/orders", views.shipmonk_orders),
    path("shipmonk/<str:key>/v1/integrations/sandbox/complete-return", views.shipmonk_complete_return),
    # TrackStar (base https://production.trackstarhq.com)
    path("trackstar/<str:key>/wms/returns", views.trackstar_returns),
    path("trackstar/<str:key>/wms/returns/<str:return_id>", views.trackstar_return_detail),
    path("trackstar/<str:key>/wms/returns/<str:return_id>/cancel", views.trackstar_return_cancel),
    path("trackstar/<str:key>/wms/warehouses", views.trackstar_warehouses),
    path("trackstar/<str:key>/wms/orders", views.trackstar_orders),
    path("trackstar/<str:key>/integrations/wms/<str:integration_name>/write-info", views.trackstar_write_info),
    # ShipStream (base https://<instance>.shipstream.app)
    path("shipstream/<str:key>/api/jsonrpc", views.shipstream_jsonrpc),
    # Loop (base https://api.loopreturns.com/api/v1)
    path("loop/<str:key>/warehouse/return/details", views.loop_return_details),
    path("loop/<str:key>/warehouse/return/list", views.loop_return_list),
    path("loop/<str:key>/warehouse/return/<str:return_id>/<str:action>", views.loop_return_action),
    path("loop/<str:key>/happy-returns/shipments/<str:shipment_id>", views.loop_happy_returns_shipment),
    path("loop/<str:key>/webhooks", views.loop_webhooks),
    # Redo (base https://api.getredo.com/v2.2)
    path("redo/<str:key>/returns/<str:return_id>/status", views.redo_return_status),
    path("redo/<str:key>/returns/<str:return_id>/process", views.redo_return_process),
    path("redo/<str:key>/returns/<str:return_id>/comments", views.redo_return_comments),
    path("redo/<str:key>/stores/<str:store_id>/returns", views.redo_store_returns),
    path("redo/<str:key>/stores/<str:store_id>/webhooks", views.redo_store_webhooks),
    # Sandbox-only control: receive an RMA now.
    path("<str:provider>/<str:key>/_control/receive", views.control_receive),
]
