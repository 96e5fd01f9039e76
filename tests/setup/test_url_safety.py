"""The SSRF guard for URLs a merchant types: https only, public addresses only (DNS is patched, never real)."""

import socket

import pytest

from integrations import url_safety
from integrations.url_safety import UnsafeUrl, url_check_safe


def _resolves_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> list[str]:
    asked: list[str] = []

    def fake_getaddrinfo(host: str, port: object, *args: object, **kwargs: object) -> list[tuple]:
        asked.append(host)
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (a, 443)) for a in addresses]

    monkeypatch.setattr(url_safety.socket, "getaddrinfo", fake_getaddrinfo)
    return asked


def test_public_https_url_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _resolves_to(monkeypatch, "93.184.216.34")
    assert url_check_safe(url=" https://acme.shipstream.app/ ", allow_private=False) == "https://acme.shipstream.app/"
    assert asked == ["acme.shipstream.app"]


def test_plain_http_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _resolves_to(monkeypatch, "93.184.216.34")
    with pytest.raises(UnsafeUrl, match="https"):
        url_check_safe(url="http://acme.shipstream.app", allow_private=False)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104 (an address the name resolves to, not a bind)
        "100.64.0.1",
        "::1",
        "fe80::1%eth0",
        "::ffff:10.0.0.1",
        "fd00::1",
    ],
)
def test_names_resolving_to_private_loopback_or_link_local_are_refused(
    monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    _resolves_to(monkeypatch, address)
    with pytest.raises(UnsafeUrl, match="private or local"):
        url_check_safe(url="https://innocent.example.com/api", allow_private=False)


def test_one_private_address_among_public_ones_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _resolves_to(monkeypatch, "93.184.216.34", "10.0.0.5")
    with pytest.raises(UnsafeUrl):
        url_check_safe(url="https://mixed.example.com", allow_private=False)


def test_literal_loopback_ip_is_refused_without_dns() -> None:
    # getaddrinfo on a literal IP does no DNS lookup, so the real function is safe here.
    with pytest.raises(UnsafeUrl):
        url_check_safe(url="https://127.0.0.1:8443/", allow_private=False)


def test_localhost_is_refused() -> None:
    with pytest.raises(UnsafeUrl):
        url_check_safe(url="https://localhost/", allow_private=False)


def test_unknown_host_gets_a_plain_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(url_safety.socket, "getaddrinfo", fail)
    with pytest.raises(UnsafeUrl, match="could not find the server typo.example"):
        url_check_safe(url="https://typo.example", allow_private=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("acme.shipstream.app", "full URL"),
        ("ftp://acme.shipstream.app", "full URL"),
        ("https://user:pw@acme.shipstream.app", "user name and password"),
        ("https://acme.shipstream.app:notaport/", "invalid port"),
    ],
)
def test_malformed_urls_are_refused_even_when_private_urls_are_allowed(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        url_check_safe(url=url, allow_private=True)


def test_private_urls_pass_when_the_setting_allows_them(settings: object) -> None:
    settings.ALLOW_PRIVATE_PROVIDER_URLS = True  # type: ignore[attr-defined]
    assert (
        url_check_safe(url="http://127.0.0.1:8000/sandbox/shipstream/k") == "http://127.0.0.1:8000/sandbox/shipstream/k"
    )


def test_the_setting_is_the_default(settings: object, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False  # type: ignore[attr-defined]
    _resolves_to(monkeypatch, "192.168.0.10")
    with pytest.raises(UnsafeUrl):
        url_check_safe(url="https://nas.example.com")
