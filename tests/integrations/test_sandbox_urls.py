"""Which addresses count as a sandbox: the only places test data may reach (integrations.url_safety)."""

from typing import Any

import pytest

from integrations.services.sandbox_addresses import is_sandbox_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/sandbox/shipmonk/k/",
        "http://localhost:5000",
        "https://wms.test/api",
        "https://shop.local",
        "https://sandbox.shipmonk.dev/v1/integrations/returns",  # declared by ShipMonk
        "https://backhaul.example.com/sandbox/loop/key/",
        "https://backhaul.example.com:443/sandbox/trackstar/key/",
    ],
)
def test_sandbox_and_local_addresses(url: str, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://backhaul.example.com"
    assert is_sandbox_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://api.shipmonk.com",
        "https://production.trackstarhq.com",
        "https://backhaul.example.com/webhooks/loop/x/",
        # Only the declared sandbox hosts and paths count, not look-alikes.
        "https://sandbox.trackstarhq.com",
        "https://api.sandbox.shipmonk.com",
        "https://sandbox.example.com/api",
        "https://mysandbox-shop.example.com",
        "https://evil.example.com/sandbox/loop/key/",
        "https://backhaul.example.com.evil.example/sandbox/loop/key/",
        "https://backhaul.example.com:8443/sandbox/loop/key/",
        "https://backhaul.example.com/sandbox/unknown/key/",
        "https://backhaul.example.com/sandboxes/loop/key/",
    ],
)
def test_live_addresses(url: str, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://backhaul.example.com"
    assert not is_sandbox_url(url)
