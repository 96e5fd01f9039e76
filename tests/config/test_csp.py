"""The Content-Security-Policy header, and markup that needs nothing inline (issue 22).

The browser walk (tests/test_csp_browser.py) proves the pages work under the policy; these tests say
what the policy is and keep templates and the HTML our Python builds free of what it would block:
inline styles and scripts without the request's nonce, style attributes, inline event handlers.
"""

import re
from pathlib import Path
from typing import Any

import pytest

from config.env import BASE_DIR

# An inline <style> or <script> (one without src=) that does not carry the request's nonce.
INLINE_ELEMENT = re.compile(r"<(style|script)(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["'{]""", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE)
BLOCKED = {"inline element": INLINE_ELEMENT, "style attribute": STYLE_ATTRIBUTE, "event handler": EVENT_HANDLER}


def _sources() -> list[Path]:
    templates = sorted((BASE_DIR / "templates").rglob("*.html"))
    python = [
        path
        for folder in ("config", "integrations", "returns", "warehouses")
        for path in sorted((BASE_DIR / folder).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    return templates + python


def blocked_markup(text: str) -> list[str]:
    return [f"{what}: {match.group(0).strip()}" for what, rule in BLOCKED.items() for match in rule.finditer(text)]


def test_the_scan_finds_what_the_policy_blocks() -> None:
    """The checker itself: each kind is caught, and what the policy allows is not."""
    assert blocked_markup('<style>b{}</style><script>x()</script><p style="color:red" onclick="go()">') == [
        "inline element: <style>",
        "inline element: <script>",
        'style attribute: style="',
        'event handler: onclick="',
    ]
    allowed = '<style nonce="{{ request.csp_nonce }}"></style><script src="/static/a.js" defer></script><p class="x">'
    assert blocked_markup(allowed) == []


@pytest.mark.parametrize("path", _sources(), ids=lambda path: str(path.relative_to(BASE_DIR)))
def test_no_template_or_admin_html_needs_unsafe_inline(path: Path) -> None:
    assert blocked_markup(path.read_text()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/admin/login/", "/setup/login/", "/api/v1/stores/", "/no-such-page/"])
def test_every_response_carries_the_policy(client: Any, url: str) -> None:
    policy = client.get(url)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }


@pytest.mark.django_db
def test_a_page_that_uses_the_nonce_gets_it_in_its_policy(admin_client: Any) -> None:
    response = admin_client.get("/api/docs/")
    nonce = re.search(r'<style nonce="([^"]+)">', response.content.decode()).group(1)
    assert f"style-src 'self' 'nonce-{nonce}'" in response["Content-Security-Policy"]
    # Swagger UI's start-up script comes from a URL, not inline.
    script = admin_client.get("/api/docs/?script=")
    assert (script.status_code, script["Content-Type"]) == (200, "application/javascript")


@pytest.mark.django_db
def test_a_webhook_answer_builds_no_policy(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The endpoint answers machines in plain text: no policy is built for it (config/csp.py), any answer."""
    from csp import middleware

    built: list[str] = []
    real = middleware.build_policy
    monkeypatch.setattr(middleware, "build_policy", lambda **kwargs: built.append("built") or real(**kwargs))
    answer = client.post("/webhooks/loop/no-such-token/", data=b"{}", content_type="application/json")
    assert answer.status_code == 404
    assert "Content-Security-Policy" not in answer
    assert built == []
    assert "Content-Security-Policy" in client.get("/no-such-page/")
    assert built  # other responses still get theirs
