"""Outbound-safety fixtures: DNS answers the test controls, a public-looking address that reaches a
local server, and a second server that must receive nothing."""

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

PUBLIC = "93.184.216.34"  # any public address; the test's socket layer carries it to 127.0.0.1

Resolver = Callable[[str], list[str]]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, Resolver]:
    """Names the test controls: dns["name"] = lambda host: [addresses]; other names resolve as usual."""
    real_getaddrinfo = socket.getaddrinfo
    table: dict[str, Resolver] = {}

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in table:
            return real_getaddrinfo(host, port, *args, **kwargs)
        answers = []
        for address in table[name](name):
            if ":" in address:
                answers.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, int(port or 0), 0, 0)))
            else:
                answers.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 0))))
        return answers

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    return table


@pytest.fixture
def public_is_local(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connect to PUBLIC reaches 127.0.0.1 (after the guard has checked PUBLIC)."""
    connect = socket.socket.connect  # the suite's loopback-only connect

    def carry(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] == PUBLIC:
            address = ("127.0.0.1", *address[1:])
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", carry)


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()
