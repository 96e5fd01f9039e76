from django.contrib.admin.apps import AdminConfig


class BackhaulAdminConfig(AdminConfig):
    """django.contrib.admin with Backhaul's site as `admin.site` (Django's documented way to replace it)."""

    default_site = "config.overview.site.BackhaulAdminSite"
