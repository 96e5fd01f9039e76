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


def test_a_visitor_who_logs_in_comes_back_to_a_page_with_the_button(client: Client, admin_user: object) -> None:
    to_login = client.post("/demo/")
    assert to_login.status_code == 302
    login_url = to_login["Location"]
    assert login_url.startswith("/admin/login/")
    assert "next=/demo/" in login_url
    logged_in = client.post(login_url, {"username": "admin", "password": "password", "next": "/demo/"})
    assert logged_in.status_code == 302
    assert logged_in["Location"] == "/demo/"
    page = client.get("/demo/")
    assert page.status_code == 200  # a page to press the button on, not a blank 405
    html = page.content.decode()
    assert '<form method="post">' in html
    assert "Run the demo</button>" in html
    with mock.patch("integrations.sandbox.tasks.sandbox_demo_play.delay") as delay:
        started = client.post("/demo/", follow=True)
    delay.assert_called_once_with()
    assert "Demo started" in started.content.decode()


def test_a_stale_form_gets_a_page_that_says_what_to_do(db: None) -> None:
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/setup/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "This page was out of date" in response.content.decode()
