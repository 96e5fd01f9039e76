from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from integrations.merchant import members
from integrations.merchant import views as merchant
from integrations.wizard import invites, rules_views, views
from integrations.wizard.choices_css import choices_stylesheet

app_name = "setup"

urlpatterns = [
    path("", views.store_list, name="index"),
    path("choices.css", choices_stylesheet, name="choices_css"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", next_page=reverse_lazy("setup:index")),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page=reverse_lazy("setup:login")), name="logout"),
    path("invite/<str:token>/", invites.invite, name="invite"),
    path("stores/<slug:slug>/", views.store_resume, name="resume"),
    path("stores/<slug:slug>/platform/", views.platform_step, name="platform"),
    path("stores/<slug:slug>/warehouse/", views.warehouse_step, name="warehouse"),
    path("stores/<slug:slug>/locations/", views.locations_step, name="locations"),
    path("stores/<slug:slug>/locations/<int:pk>/", views.location_edit, name="location_edit"),
    path("stores/<slug:slug>/rules/", rules_views.rules_step, name="rules"),
    path("stores/<slug:slug>/rules/routing/", rules_views.routing_rule_add, name="routing_rule_add"),
    path("stores/<slug:slug>/rules/routing/dry-run/", rules_views.routing_dry_run_saved, name="routing_dry_run"),
    path("stores/<slug:slug>/rules/routing/<int:pk>/", rules_views.routing_rule_edit, name="routing_rule_edit"),
    path(
        "stores/<slug:slug>/rules/routing/<int:pk>/move/", rules_views.routing_rule_move_view, name="routing_rule_move"
    ),
    path(
        "stores/<slug:slug>/rules/routing/<int:pk>/delete/",
        rules_views.routing_rule_delete_view,
        name="routing_rule_delete",
    ),
    path("stores/<slug:slug>/test/", views.test_step, name="test"),
    path("stores/<slug:slug>/test/<int:delivery_id>/timeline/", views.test_timeline, name="test_timeline"),
    path("stores/<slug:slug>/live/", views.live_step, name="live"),
    # After go-live: the merchant's own pages.
    path("stores/<slug:slug>/home/", merchant.store_home, name="home"),
    path("stores/<slug:slug>/returns/", merchant.returns_list, name="returns"),
    path("stores/<slug:slug>/returns/<int:pk>/", merchant.return_detail, name="return_detail"),
    path("stores/<slug:slug>/connections/<int:pk>/test/", merchant.connection_test, name="connection_test"),
    path("stores/<slug:slug>/overdue-settings/", merchant.aging_settings, name="aging_settings"),
    path("stores/<slug:slug>/members/", members.members_page, name="members"),
    path("notifications/", merchant.notification_settings, name="notifications"),
]
