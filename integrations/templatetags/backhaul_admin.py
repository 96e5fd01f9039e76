"""The admin's environment banner: support must never mistake production for a sandbox."""

from django import template
from django.conf import settings

register = template.Library()

_LABELS = {
    "production": ("Production", "production"),
    "local": ("Development", "development"),
    "test": ("Test", "development"),
}


@register.simple_tag
def backhaul_environment() -> dict[str, str]:
    """Name and CSS class of this deployment, from settings.ENVIRONMENT or the settings module."""
    module = (settings.SETTINGS_MODULE or "").rsplit(".", 1)[-1]
    label, css = _LABELS.get(module, (module.title() or "Unknown", "development"))
    label = getattr(settings, "ENVIRONMENT", "") or label
    if getattr(settings, "SANDBOX_ENABLED", False):
        label = f"{label} · sandbox providers enabled"
    return {"label": label, "css": css}
