"""Setup-wizard fixtures: merchants and stores, and Playwright on Debian's chromium for the browser tests."""

import os
from typing import Any

import pytest
from django.test import Client

from integrations.models import Store, StoreMembership

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are still sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_configure(config: pytest.Config) -> None:
    # Until pyproject registers it (the project runs with --strict-markers).
    config.addinivalue_line("markers", "browser: drives a real browser (Playwright with Debian chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def store(db: None) -> Store:
    return Store.objects.create(name="Acme Tees", slug="acme-tees")


@pytest.fixture
def other_store(db: None) -> Store:
    return Store.objects.create(name="Other Shop", slug="other-shop")


@pytest.fixture
def merchant(store: Store, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user(username="mia", password="correct horse battery")
    StoreMembership.objects.create(store=store, user=user, role=StoreMembership.Role.OWNER)
    return user


@pytest.fixture
def merchant_client(merchant: Any) -> Client:
    client = Client()
    client.force_login(merchant)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The wizard caches live warehouse lists; tests must not see another test's list."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Every page at 1366x768, the size the screenshots are looked at in."""
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}}
