"""A credential goes only where its owner sent it (reliability.md rule 15).

Every test here points a connection at a real local HTTP server that records what arrives, and
checks what it received: the operator's TrackStar organisation key never reaches a host a store
member chose, path values cannot climb to other endpoints, and a next-page link is judged by the
host the HTTP library will really connect to.
"""

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient

from integrations.destinations import UnsafeDestination, path_segment, request_origin
from integrations.exceptions import ProviderConfigurationError, ProviderDestinationRefused
from integrations.models import ApiCall, Connection, StoreMembership
from integrations.registry import get_client
from tests.factories import ConnectionFactory, StoreFactory

pytestmark = pytest.mark.django_db

ORG_KEY = "org-key-of-the-operator-7f3a9c"
# The test server decodes paths before matching; what was sent is read from REQUEST_URI instead.
ANY_PATH = re.compile(".*")


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    from django.core.cache import cache

    from integrations import ratelimit

    cache.clear()
    ratelimit._limiter().storage.reset()


@pytest.fixture
def operator_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """Backhaul's own TrackStar key, with TrackStar's real address (never reached in tests) as the deployment's."""
    monkeypatch.setenv("TRACKSTAR_API_KEY", ORG_KEY)
    monkeypatch.delenv("TRACKSTAR_BASE_URL", raising=False)
    return ORG_KEY


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner_and_staff() -> tuple[APIClient, APIClient, Connection]:
    store = StoreFactory()
    owner = get_user_model().objects.create_user("owner", password="x")
    StoreMembership.objects.create(store=store, user=owner, role=StoreMembership.Role.OWNER)
    staff = get_user_model().objects.create_superuser("support", password="x")
    connection = ConnectionFactory(
        store=store, provider="trackstar", api_key="", access_token="merchant-access-token", wms_name="extensiv"
    )
    return _api(owner), _api(staff), connection


def _keys_received(server: HTTPServer) -> list[str]:
    return [request.headers.get("x-trackstar-api-key", "") for request, _response in server.log]


def _warehouses(server: HTTPServer) -> None:
    server.expect_request("/wms/warehouses").respond_with_json({"data": []})


# -- the operator's key ------------------------------------------------------------------------------


def test_the_operator_key_never_reaches_a_host_a_merchant_chose(
    httpserver: HTTPServer, operator_key: str, owner_and_staff: tuple[APIClient, APIClient, Connection]
) -> None:
    owner, _staff, connection = owner_and_staff
    _warehouses(httpserver)
    moved = owner.patch(f"/api/v1/connections/{connection.pk}/", {"base_url": httpserver.url_for("")}, format="json")
    assert moved.status_code == 200, moved.content

    tested = owner.post(f"/api/v1/connections/{connection.pk}/test/")
    assert tested.status_code == 200
    assert tested.json()["ok"] is False
    assert "Backhaul's own organisation API key is not sent there" in tested.json()["message"]
    assert "enter the connection's own organisation API key, or clear its base URL" in tested.json()["message"]

    # Reconciliation keeps asking this connection for its returns: still nothing goes out.
    from returns.services.reconciliation import connection_reconcile

    connection_reconcile(connection_id=connection.pk)
    assert httpserver.log == []
    refused = ApiCall.objects.filter(connection=connection, error_class="ProviderDestinationRefused")
    assert refused.count() >= 2  # the test and reconciliation, each logged with its reason
    assert all(ORG_KEY not in str(call.request_headers) for call in ApiCall.objects.all())
    connection.refresh_from_db()
    assert "is not sent there" in connection.last_error


def test_the_operator_key_goes_to_the_deployments_own_trackstar_address(
    httpserver: HTTPServer, operator_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the same connection, when the deployment's TrackStar address is this server, sends the key."""
    monkeypatch.setenv("TRACKSTAR_BASE_URL", httpserver.url_for("").rstrip("/"))
    connection = ConnectionFactory(provider="trackstar", api_key="", access_token="tok", wms_name="extensiv")
    _warehouses(httpserver)
    get_client(connection=connection).test_connection()
    assert _keys_received(httpserver) == [ORG_KEY]


def test_a_support_typed_organisation_key_stays_behind_when_a_merchant_moves_the_connection(
    httpserver: HTTPServer, operator_key: str, owner_and_staff: tuple[APIClient, APIClient, Connection]
) -> None:
    owner, staff, connection = owner_and_staff
    typed = staff.patch(f"/api/v1/connections/{connection.pk}/", {"api_key": "typed-by-support-0042"}, format="json")
    assert typed.json()["api_key_set"] is True
    _warehouses(httpserver)

    moved = owner.patch(f"/api/v1/connections/{connection.pk}/", {"base_url": httpserver.url_for("")}, format="json")
    assert moved.json()["api_key_set"] is False
    assert owner.post(f"/api/v1/connections/{connection.pk}/test/").json()["ok"] is False
    assert httpserver.log == []


def test_a_merchants_own_key_goes_with_the_url_they_chose(
    httpserver: HTTPServer, operator_key: str, owner_and_staff: tuple[APIClient, APIClient, Connection]
) -> None:
    owner, _staff, connection = owner_and_staff
    _warehouses(httpserver)
    body = {"base_url": httpserver.url_for(""), "api_key": "the-merchants-own-org-key"}
    assert owner.patch(f"/api/v1/connections/{connection.pk}/", body, format="json").status_code == 200
    assert owner.post(f"/api/v1/connections/{connection.pk}/test/").json()["ok"] is True
    assert _keys_received(httpserver) == ["the-merchants-own-org-key"]


def test_support_moving_the_connection_keeps_the_key_support_typed(
    httpserver: HTTPServer, operator_key: str, owner_and_staff: tuple[APIClient, APIClient, Connection]
) -> None:
    _owner, staff, connection = owner_and_staff
    staff.patch(f"/api/v1/connections/{connection.pk}/", {"api_key": "typed-by-support-0042"}, format="json")
    _warehouses(httpserver)
    moved = staff.patch(f"/api/v1/connections/{connection.pk}/", {"base_url": httpserver.url_for("")}, format="json")
    assert moved.json()["api_key_set"] is True
    assert staff.post(f"/api/v1/connections/{connection.pk}/test/").json()["ok"] is True
    assert _keys_received(httpserver) == ["typed-by-support-0042"]


# -- values in URL paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "encoded"),
    [("1042_01", "1042_01"), ("../webhooks", "..%2Fwebhooks"), ("a/b?c#d", "a%2Fb%3Fc%23d"), ("x y", "x%20y")],
)
def test_path_values_are_one_encoded_segment(value: str, encoded: str) -> None:
    assert path_segment(value) == encoded


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_dot_segments_are_refused(value: str) -> None:
    with pytest.raises(ProviderConfigurationError, match="cannot be sent as an identifier"):
        path_segment(value)


def test_a_loop_return_id_cannot_reach_another_endpoint(httpserver: HTTPServer) -> None:
    from integrations.providers.loop import LoopClient

    httpserver.expect_request(ANY_PATH).respond_with_json({})
    client = LoopClient(api_key="loop-key-0001", base_url=httpserver.url_for("").rstrip("/"))
    client.return_process(return_id="../../webhooks/7")
    [(request, _)] = httpserver.log
    assert request.environ["REQUEST_URI"] == "/warehouse/return/..%2F..%2Fwebhooks%2F7/process"
    with pytest.raises(ProviderConfigurationError):
        client.return_process(return_id="..")
    assert len(httpserver.log) == 1


def test_a_redo_store_id_and_return_id_are_encoded(httpserver: HTTPServer) -> None:
    from integrations.providers.redo import RedoClient

    httpserver.expect_request(ANY_PATH).respond_with_json([])
    client = RedoClient(api_secret="redo-secret-01", store_id="st/../x", base_url=httpserver.url_for("").rstrip("/"))
    client.test_connection()
    client.return_note_create(return_id="r/../../stores", content="hello")
    uris = [request.environ["REQUEST_URI"] for request, _ in httpserver.log]
    assert uris == ["/stores/st%2F..%2Fx/returns", "/returns/r%2F..%2F..%2Fstores/comments"]


def test_a_trackstar_wms_name_and_return_id_are_encoded(httpserver: HTTPServer) -> None:
    from integrations.providers.trackstar import TrackStarClient

    httpserver.expect_request(ANY_PATH).respond_with_json({"id": "ret"})
    client = TrackStarClient(
        api_key="k-0001", access_token="t-0001", wms_name="x?y", base_url=httpserver.url_for("").rstrip("/")
    )
    client.write_info()
    from integrations.base import RmaPayload

    client.rma_cancel(external_id="ret/../../x", payload=RmaPayload.__new__(RmaPayload), idempotency_key="k")
    uris = [request.environ["REQUEST_URI"] for request, _ in httpserver.log]
    assert uris == ["/integrations/wms/x%3Fy/write-info", "/wms/returns/ret%2F..%2F..%2Fx/cancel"]


def test_the_api_refuses_a_wms_name_that_is_not_a_name(
    owner_and_staff: tuple[APIClient, APIClient, Connection],
) -> None:
    owner, _staff, connection = owner_and_staff
    response = owner.patch(f"/api/v1/connections/{connection.pk}/", {"wms_name": "../admin"}, format="json")
    assert response.status_code == 400
    assert "letters, digits, - and _ only" in str(response.json()["error"]["details"]["wms_name"])
    connection.refresh_from_db()
    assert connection.wms_name == "extensiv"


# -- "same origin" means where requests will connect ------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://api.loopreturns.com/x", "api.loopreturns.com"),
        ("https://API.loopreturns.com:443/x", "api.loopreturns.com"),
        ("https://evil.example#@api.loopreturns.com/", "evil.example"),
    ],
)
def test_request_origin_reads_the_host_the_library_connects_to(url: str, host: str) -> None:
    assert request_origin(url).host == host


@pytest.mark.parametrize(
    "url",
    ["https://evil.example\\@api.loopreturns.com/x", "https://user:pw@api.loopreturns.com/", "ftp://x/", "https:///x"],
)
def test_request_origin_refuses_backslashes_userinfo_and_non_http(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        request_origin(url)


@pytest.mark.parametrize("separator", ["\\@", "%5C@"])
def test_a_next_page_link_that_parsers_read_differently_gets_no_request(
    httpserver: HTTPServer, other_server: HTTPServer, separator: str
) -> None:
    """`urlsplit` reads http://localhost:P\\@127.0.0.1:Q/ as 127.0.0.1:Q (the connection's host); requests
    sends it to localhost:P. Neither server gets the page request, and the key goes nowhere."""
    from integrations.providers.loop import LoopClient

    other_server.expect_request("/").respond_with_json({"returns": []})
    link = f"http://localhost:{other_server.port}{separator}127.0.0.1:{httpserver.port}/warehouse/return/list"
    httpserver.expect_request("/warehouse/return/list").respond_with_json(
        {"returns": [{"id": 1}], "next_page_url": link}
    )
    client = LoopClient(api_key="loop-key-0001", base_url=f"http://127.0.0.1:{httpserver.port}")
    now = dt.datetime.now(dt.UTC)
    if separator == "\\@":
        with pytest.raises(ProviderDestinationRefused, match="backslash"):
            list(client.returns_changed_since(since=now - dt.timedelta(days=1), until=now, max_pages=3))
    else:
        # Encoded, the backslash is part of a user name: still refused before anything is sent.
        with pytest.raises(ProviderDestinationRefused, match="user name or password"):
            list(client.returns_changed_since(since=now - dt.timedelta(days=1), until=now, max_pages=3))
    assert other_server.log == []
    assert len(httpserver.log) == 1  # the first page only


def test_a_saved_url_with_a_backslash_is_refused_with_a_reason() -> None:
    from integrations.url_safety import UnsafeUrl, url_check_safe

    with pytest.raises(UnsafeUrl, match="Remove the backslash"):
        url_check_safe(url="https://evil.example\\@api.loopreturns.com/", allow_private=True)
    with pytest.raises(UnsafeUrl, match="user name and password"):
        url_check_safe(url="https://a%40b@api.loopreturns.com/", allow_private=True)
