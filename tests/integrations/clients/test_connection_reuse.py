"""Provider calls keep their connections open between calls, and take nothing from the environment.

A real keep-alive HTTP server on 127.0.0.1 counts the TCP connections it accepts and records each request's
headers: a second client (a second push) reuses the first one's connection, and a proxy or a .netrc in the
environment neither reroutes a call nor adds a credential to it.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from integrations.connect_guard import GuardedAdapter
from integrations.http import shared_adapters
from integrations.providers.shipmonk import ShipMonkClient

pytestmark = pytest.mark.django_db


class _KeepAliveServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.requests: list[dict[str, str]] = []

    def get_request(self) -> tuple[Any, Any]:
        self.connections += 1
        return super().get_request()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection open unless asked to close
    server: _KeepAliveServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.requests.append(dict(self.headers))
        body = json.dumps({"data": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        return


@pytest.fixture
def server() -> Iterator[_KeepAliveServer]:
    httpd = _KeepAliveServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _client(server: _KeepAliveServer, api_key: str = "sm-key-0001") -> ShipMonkClient:
    return ShipMonkClient(api_key=api_key, store_id="1", base_url=f"http://127.0.0.1:{server.server_address[1]}")


def test_clients_of_one_process_share_adapters_and_reuse_a_connection(server: _KeepAliveServer) -> None:
    first, second = _client(server, "sm-key-0001"), _client(server, "sm-key-0002")
    assert first.session.get_adapter("http://x") is second.session.get_adapter("http://x")
    assert first.session.get_adapter("https://x") is shared_adapters(guarded=False)[1]  # tests allow private URLs
    first.warehouses_list()
    second.warehouses_list()
    first.warehouses_list()
    assert len(server.requests) == 3
    assert server.connections == 1
    # Each request still carries its own client's credential, whatever connection it went on.
    assert [r["Api-Key"] for r in server.requests] == ["sm-key-0001", "sm-key-0002", "sm-key-0001"]


def test_a_proxy_or_a_netrc_in_the_environment_is_not_used(
    server: _KeepAliveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-for-this-provider\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert _client(server).warehouses_list() == []
    assert len(server.requests) == 1
    assert "Authorization" not in server.requests[0]


@override_settings(ALLOW_PRIVATE_PROVIDER_URLS=False)
def test_without_private_addresses_every_client_gets_the_guarded_adapters(server: _KeepAliveServer) -> None:
    client = _client(server)
    plain, tls = client.session.get_adapter("http://x"), client.session.get_adapter("https://x")
    assert isinstance(plain, GuardedAdapter)
    assert isinstance(tls, GuardedAdapter)
    assert (plain, tls) == shared_adapters(guarded=True)
    assert plain is not shared_adapters(guarded=False)[0]
