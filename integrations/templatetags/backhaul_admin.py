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


@register.simple_tag
def bh_badge(text: object, tone: str = "muted", title: str = "") -> str:
    """A coloured label for a status or a level (integrations.admin.common.badge)."""
    from integrations.admin.common import badge

    return badge(str(text), tone, title=title)


@register.simple_tag
def bh_truncate(text: str | None, length: int = 60) -> str:
    """The first `length` characters, the whole text on hover."""
    from integrations.admin.common import truncated

    return truncated(text or "", length) if text else "—"
