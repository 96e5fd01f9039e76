import re

from django.test import Client

from integrations.models import Store
from integrations.services.invites import invite_store_get


def test_support_creates_an_invite_link_that_opens_the_store(admin_client: Client, db: None) -> None:
    store = Store.objects.create(name="Acme Tees", slug="acme-tees")
    response = admin_client.post(
        "/admin/integrations/store/",
        {"action": "create_invite_link", "_selected_action": [store.pk]},
        follow=True,
    )
    (message,) = [str(m) for m in response.context["messages"]]
    token = re.search(r"/setup/invite/([^/]+)/", message).group(1)
    assert "valid for 7 days" in message
    assert invite_store_get(token=token) == store
