"""Which addresses count as a sandbox: the only places test data may reach (integrations.services.url_safety)."""

from typing import Any

import pytest

from integrations.services.url_safety import is_sandbox_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/sandbox/shipmonk/k/",
        "http://localhost:5000",
        "https://wms.test/api",
        "https://shop.local",
        "https://sandbox.trackstarhq.com",
        "https://api.sandbox.shipmonk.com",
        "https://backhaul.example.com/sandbox/loop/key/",
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
    ],
)
def test_live_addresses(url: str, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://backhaul.example.com"
    assert not is_sandbox_url(url)
