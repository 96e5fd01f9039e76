from unittest import mock

from django.test import Client


def test_landing_page_offers_the_demo_when_the_sandbox_is_on(client: Client, db: None) -> None:
    page = client.get("/").content.decode()
    assert 'action="/demo/"' in page
    assert "/setup/" in page


def test_demo_needs_staff_and_queues_the_story(client: Client, admin_client: Client) -> None:
    assert client.post("/demo/").status_code == 302  # to the admin login
    with mock.patch("integrations.sandbox.tasks.sandbox_demo_play.delay") as delay:
        assert client.post("/demo/").status_code == 302
        delay.assert_not_called()
        response = admin_client.post("/demo/", follow=True)
    delay.assert_called_once_with()
    assert "Demo started" in response.content.decode()
