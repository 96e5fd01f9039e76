"""Who may open which store's wizard: members their own stores, staff any, everyone else the login page or 404."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import Store
from integrations.sandbox.models import SandboxAccount, SandboxWebhookDelivery
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db

STEPS = ["resume", "platform", "warehouse", "locations", "rules", "test", "live"]


@pytest.mark.parametrize("name", STEPS)
def test_anonymous_users_are_sent_to_the_login_page(client: Client, store: Store, name: str) -> None:
    url = reverse(f"setup:{name}", kwargs={"slug": store.slug})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('setup:login')}?next={url}"


def test_anonymous_index_goes_to_login(client: Client) -> None:
    response = client.get("/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/setup/login/")


@pytest.mark.parametrize("name", STEPS)
def test_a_merchant_cannot_open_another_stores_wizard(merchant_client: Client, other_store: Store, name: str) -> None:
    assert merchant_client.get(reverse(f"setup:{name}", kwargs={"slug": other_store.slug})).status_code == 404


@pytest.mark.parametrize("name", ["platform", "rules", "test", "live"])
def test_a_merchant_cannot_post_to_another_stores_wizard(
    merchant_client: Client, other_store: Store, name: str
) -> None:
    response = merchant_client.post(reverse(f"setup:{name}", kwargs={"slug": other_store.slug}), {})
    assert response.status_code == 404
    assert other_store.connections.count() == 0


def test_a_merchant_cannot_read_another_stores_test_timeline(merchant_client: Client, other_store: Store) -> None:
    connection = ConnectionFactory(store=other_store)
    account = SandboxAccount.objects.create(provider="loop", connection=connection)
    delivery = SandboxWebhookDelivery.objects.create(account=account, url="http://x/", event_type="e", body="{}")
    url = reverse("setup:test_timeline", kwargs={"slug": other_store.slug, "delivery_id": delivery.pk})
    assert merchant_client.get(url).status_code == 404


def test_a_merchant_with_one_store_lands_on_it(merchant_client: Client, store: Store, other_store: Store) -> None:
    response = merchant_client.get("/setup/")
    assert response.status_code == 302
    assert response["Location"] == reverse("setup:resume", kwargs={"slug": store.slug})
    resumed = merchant_client.get(response["Location"])
    assert resumed["Location"] == reverse("setup:platform", kwargs={"slug": store.slug})


@pytest.mark.parametrize("name", STEPS[1:])
def test_staff_can_open_any_store(admin_client: Client, other_store: Store, name: str) -> None:
    response = admin_client.get(reverse(f"setup:{name}", kwargs={"slug": other_store.slug}), follow=True)
    assert response.status_code == 200


def test_staff_index_lists_every_store(admin_client: Client, store: Store, other_store: Store) -> None:
    response = admin_client.get("/setup/")
    assert response.status_code == 200
    assert store.name in response.content.decode()
    assert other_store.name in response.content.decode()


def test_the_login_page_logs_a_merchant_in(client: Client, merchant: Any, store: Store) -> None:
    page = client.get("/setup/login/")
    assert page.status_code == 200
    assert 'for="id_username"' in page.content.decode()
    response = client.post("/setup/login/", {"username": "mia", "password": "correct horse battery"})
    assert response.status_code == 302
    assert response["Location"] == "/setup/"


def test_forms_carry_a_csrf_token(merchant_client: Client, store: Store) -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(store.memberships.get().user)
    url = reverse("setup:platform", kwargs={"slug": store.slug})
    assert "csrfmiddlewaretoken" in csrf_client.get(url).content.decode()
    assert (
        csrf_client.post(url, {"provider": "loop", "loop_api_key": "k", "loop_webhook_secret": "s"}).status_code == 403
    )


def test_a_page_that_is_not_found_says_so_in_plain_words(merchant_client: Client, other_store: Store) -> None:
    response = merchant_client.get(reverse("setup:home", kwargs={"slug": other_store.slug}))
    assert response.status_code == 404
    html = response.content.decode()
    assert "belongs to a store you are not a member of" in html
    assert other_store.name not in html
