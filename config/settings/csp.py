"""Content-Security-Policy on every response (django-csp 4: one CONTENT_SECURITY_POLICY dict).

Scripts and styles come only from our own origin: templates keep their CSS and JavaScript in static
files, the overview's charts are inline SVG with presentation attributes (no style attribute), and
htmx's own inline indicator style is switched off (<meta name="htmx-config">). A template that
cannot avoid an inline script or style element (drf-spectacular's Swagger UI) marks it with
{{ request.csp_nonce }}: the nonce is then added to the header for that response only.
tests/test_csp_browser.py walks the pages in chromium and fails on any violation.
"""

from csp.constants import NONCE, NONE, SELF

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # data: for the small SVG icons Swagger UI draws.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
