"""No credential leaves for an address nobody checked: the connect-time guard and the redirect rule.

DNS is ours in these tests (socket.getaddrinfo patched): a name can resolve to a public address
when a URL is saved and to a private one when the request is made (DNS rebinding). A "public"
provider is a local server reached through a public-looking address that the test's socket layer
carries to 127.0.0.1, so the guard sees a public address and the test still needs no network.
"""

import datetime as dt
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import override_settings
from pytest_httpserver import HTTPServer

from integrations.exceptions import ProviderConfigurationError, ProviderDestinationRefused
from integrations.models import ApiCall, Connection
from integrations.providers.shipmonk import ShipMonkClient
from integrations.registry import get_client
from integrations.url_safety import address_block_reason, parse_address
from tests.factories import ConnectionFactory
from tests.integrations.conftest import PUBLIC, Resolver

pytestmark = pytest.mark.django_db

API_KEY = "sm-secret-key-1234"


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    from django.core.cache import cache

    from integrations import ratelimit

    cache.clear()
    ratelimit._limiter().storage.reset()


def _shipmonk(base_url: str, **kwargs: Any) -> ShipMonkClient:
    return ShipMonkClient(api_key=API_KEY, store_id="1", base_url=base_url, **kwargs)


# -- the rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address a name resolves to, not a bind)
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a00:1", "IPv6 transition"),
        ("2002:7f00:1::", "IPv6 transition"),
        ("fec0::1", "site-local"),
        ("192.0.0.8", "private"),
    ],
)
def test_non_public_addresses_have_a_reason(address: str, reason: str) -> None:
    assert reason in (address_block_reason(parse_address(address)) or "")


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert address_block_reason(parse_address(address)) is None


# -- redirects ------------------------------------------------------------------------------------


def test_a_redirect_to_another_server_is_not_followed_and_no_credential_goes_there(
    httpserver: HTTPServer, other_server: HTTPServer
) -> None:
    connection = ConnectionFactory(provider="shipmonk", api_key=API_KEY, base_url=httpserver.url_for("/"))
    other_server.expect_request("/steal").respond_with_json({"data": []})
    target = f"http://localhost:{other_server.port}/steal"
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_data(
        "", status=302, headers={"Location": target}
    )

    with pytest.raises(ProviderDestinationRefused) as info:
        get_client(connection=connection).warehouses_list()

    assert other_server.log == []
    assert isinstance(info.value, ProviderConfigurationError)  # permanent: never retried
    assert "302" in info.value.message
    assert "localhost" in info.value.message
    call = ApiCall.objects.get()
    assert call.error_class == "ProviderDestinationRefused"
    assert "redirecting to localhost" in call.error_message
    connection.refresh_from_db()
    assert "redirecting to localhost" in connection.last_error


def test_a_same_host_redirect_is_refused_too(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_data(
        "", status=301, headers={"Location": "/v2/warehouses"}
    )
    httpserver.expect_request("/v2/warehouses").respond_with_json({"data": []})
    with pytest.raises(ProviderDestinationRefused, match="301 redirecting to localhost"):
        _shipmonk(httpserver.url_for("/")).warehouses_list()
    assert [request.path for request, _ in httpserver.log] == ["/v1/integrations/warehouses"]


@override_settings(ALLOW_PRIVATE_PROVIDER_URLS=False)
def test_production_a_public_provider_redirecting_to_a_private_address_gets_nothing(
    httpserver: HTTPServer, other_server: HTTPServer, dns: dict[str, Resolver], public_is_local: None
) -> None:
    dns["provider.test"] = lambda host: [PUBLIC]
    dns["internal.test"] = lambda host: ["127.0.0.1"]
    other_server.expect_request("/admin").respond_with_json({})
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_data(
        "", status=307, headers={"Location": f"http://internal.test:{other_server.port}/admin"}
    )
    with pytest.raises(ProviderDestinationRefused, match="redirecting to internal.test"):
        _shipmonk(f"http://provider.test:{httpserver.port}").warehouses_list()
    assert len(httpserver.log) == 1
    assert other_server.log == []


# -- the connect-time guard (production settings) ---------------------------------------------------


@override_settings(ALLOW_PRIVATE_PROVIDER_URLS=False)
def test_production_a_public_address_is_called_with_the_name_in_the_host_header(
    httpserver: HTTPServer, dns: dict[str, Resolver], public_is_local: None
) -> None:
    dns["provider.test"] = lambda host: [PUBLIC]
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_json(
        {"data": [{"id": 1, "identifier": "CA1", "name": "Ontario"}]}
    )
    warehouses = _shipmonk(f"http://provider.test:{httpserver.port}").warehouses_list()
    assert [w.wms_code for w in warehouses] == ["CA1"]
    request, _ = httpserver.log[0]
    assert request.headers["Host"] == f"provider.test:{httpserver.port}"
    assert request.headers["Api-Key"] == API_KEY


@override_settings(ALLOW_PRIVATE_PROVIDER_URLS=False)
@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.5", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address a name resolves to, not a bind)
        ("::ffff:127.0.0.1", "loopback"),
        ("::1", "loopback"),
    ],
)
def test_production_dns_rebinding_to_a_private_address_is_refused_at_connect_time(
    httpserver: HTTPServer, dns: dict[str, Resolver], address: str, reason: str
) -> None:
    """The URL passed its check when saved (public then); at call time the name points inside."""
    from integrations.services.stores import connection_create

    answers = iter([[PUBLIC]])
    dns["rebind.test"] = lambda host: next(answers, [address])
    connection = connection_create(
        store=ConnectionFactory().store,
        provider="shipmonk",
        data={"base_url": f"https://rebind.test:{httpserver.port}", "external_account_id": "1"},
        secrets={"api_key": API_KEY},
    )
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_json({"data": []})

    with pytest.raises(ProviderDestinationRefused) as info:
        get_client(connection=connection).warehouses_list()

    assert httpserver.log == []
    shown = {"::ffff:127.0.0.1": "127.0.0.1"}.get(address, address)  # a mapped address is named as IPv4
    assert f"rebind.test at {shown}:" in info.value.message
    assert reason in info.value.message
    call = ApiCall.objects.get()
    assert call.error_class == "ProviderDestinationRefused"
    assert reason in call.error_message
    assert API_KEY not in str(call.request_headers)
    connection.refresh_from_db()
    assert "rebind.test" in connection.last_error
    assert reason in connection.last_error


@override_settings(ALLOW_PRIVATE_PROVIDER_URLS=False)
def test_production_a_stored_private_url_from_before_the_checks_is_refused(httpserver: HTTPServer) -> None:
    """Rows saved before validation existed (or written by a migration) meet the same guard."""
    connection = ConnectionFactory(provider="shipmonk", api_key=API_KEY)
    stored = f"http://127.0.0.1:{httpserver.port}/"
    Connection.objects.filter(pk=connection.pk).update(base_url=stored)
    connection.refresh_from_db()
    with pytest.raises(ProviderDestinationRefused, match="127.0.0.1: a loopback address"):
        get_client(connection=connection).test_connection()
    assert httpserver.log == []


def test_private_addresses_are_called_where_the_deployment_allows_them(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/integrations/warehouses").respond_with_json({"data": []})
    assert _shipmonk(httpserver.url_for("/")).warehouses_list() == []


# -- TLS still checks the name while the connection is pinned to the checked address ----------------


def _certificate_for(name: str, directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[HTTPServer, Path, list[str | None]]]:
    """An https server with a certificate for provider.test; it records the SNI name each client sent."""
    cert_path, key_path = _certificate_for("provider.test", tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server_names: list[str | None] = []
    context.sni_callback = lambda _sock, name, _ctx: server_names.append(name)
    server = HTTPServer(host="127.0.0.1", ssl_context=context)
    server.start()
    yield server, cert_path, server_names
    server.clear()
    server.stop()


@override_settings(ALLOW_PRIVATE_PROVIDER_URLS=False)
def test_production_https_verifies_the_certificate_and_sends_sni_for_the_name(
    tls_server: tuple[HTTPServer, Path, list[str | None]],
    dns: dict[str, Resolver],
    public_is_local: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, cert_path, server_names = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))  # the HTTP base gives it to Session.verify
    dns["provider.test"] = lambda host: [PUBLIC]
    server.expect_request("/v1/integrations/warehouses").respond_with_json({"data": []})
    client = _shipmonk(f"https://provider.test:{server.port}")
    assert client.warehouses_list() == []
    assert server_names == ["provider.test"]
    assert server.log[0][0].headers["Host"] == f"provider.test:{server.port}"


@override_settings(ALLOW_PRIVATE_PROVIDER_URLS=False)
def test_production_a_certificate_for_another_name_is_still_refused(
    tls_server: tuple[HTTPServer, Path, list[str | None]],
    dns: dict[str, Resolver],
    public_is_local: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from integrations.exceptions import ProviderUnavailable

    server, cert_path, _ = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    dns["other.test"] = lambda host: [PUBLIC]
    client = _shipmonk(f"https://other.test:{server.port}")
    with pytest.raises(ProviderUnavailable, match="SSLError"):
        client.warehouses_list()
    assert server.log == []


# -- absolute URLs from a provider's answer ---------------------------------------------------------


def test_a_next_page_link_to_another_host_gets_no_request(httpserver: HTTPServer, other_server: HTTPServer) -> None:
    from integrations.providers.loop import LoopClient

    loop_key = "loop-api-key-0001"
    other_server.expect_request("/steal").respond_with_json({"returns": []})
    httpserver.expect_request("/warehouse/return/list").respond_with_json(
        {"returns": [{"id": 1}], "next_page_url": f"http://localhost:{other_server.port}/steal"}
    )
    client = LoopClient(api_key=loop_key, base_url=f"http://127.0.0.1:{httpserver.port}")
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(ProviderDestinationRefused, match="refused to send a request to localhost"):
        list(client.returns_changed_since(since=now - dt.timedelta(days=1), until=now, max_pages=3))
    assert other_server.log == []
    refused = ApiCall.objects.get(error_class="ProviderDestinationRefused")
    assert refused.status_code is None


def test_a_next_page_link_on_the_same_host_is_followed(httpserver: HTTPServer) -> None:
    from integrations.providers.loop import LoopClient

    httpserver.expect_ordered_request("/warehouse/return/list").respond_with_json(
        {"returns": [{"id": 1}], "next_page_url": httpserver.url_for("/warehouse/return/list?page=2")}
    )
    httpserver.expect_ordered_request("/warehouse/return/list").respond_with_json({"returns": [{"id": 2}]})
    client = LoopClient(api_key="loop-api-key-0001", base_url=httpserver.url_for("/"))
    now = dt.datetime.now(dt.UTC)
    events = client.returns_changed_since(since=now - dt.timedelta(days=1), until=now, max_pages=3)
    assert [event.data.external_id for event in events] == ["1", "2"]
