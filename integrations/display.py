"""Stored request and response bodies shown to people (the API, the admin) without breaking a page.

A stored body is whatever a stranger posted: `[` x 100000 makes json.dumps (and the secret
redaction) recurse past Python's limit, and a 2.5 MB body makes a list unusable. So a body is
shown as indented JSON, secrets redacted, only while it is shallow and small enough; otherwise as
its raw text, cut. Either way the text says how much was left out.
"""

import json
from typing import Any

from config.logging import redact
from integrations.fitting import storable_text

# Deeper JSON is shown as raw text (no real provider payload comes close).
MAX_DEPTH = 64
# At most this many characters are shown; longer bodies are shown cut.
MAX_CHARS = 100_000
# Bodies longer than this are not parsed at all (raw text, cut): one page may list many rows.
MAX_PARSED_BYTES = 1_000_000


def body_for_display(body: bytes | str, *, true_length: int | None = None, indent: int | None = 2) -> str:
    """The body as text to show: JSON (redacted, indented) when it can be, else the raw text; cut to
    MAX_CHARS with a note, which also says when the stored body was itself only part of the request."""
    raw = bytes(body) if isinstance(body, bytes | bytearray | memoryview) else str(body).encode("utf-8", "replace")
    shown = _as_json(raw, indent=indent) if len(raw) <= MAX_PARSED_BYTES else None
    if shown is None:
        shown = raw[: MAX_CHARS * 4].decode("utf-8", errors="replace")
    # A lone surrogate (JSON's "\ud800") cannot be encoded into the page or the API's UTF-8.
    shown = storable_text(shown)
    notes = []
    if len(shown) > MAX_CHARS:
        notes.append(f"{len(shown) - MAX_CHARS:,} more characters not shown")
        shown = shown[:MAX_CHARS]
    if true_length is not None and true_length > len(raw):
        # None at all: a body refused for its declared size is never read.
        kept = f"only the first {len(raw):,}" if raw else "none"
        notes.append(f"{kept} of {true_length:,} bytes were stored")
    suffix = "".join(f"\n… ({note})" for note in notes)
    return shown + suffix if shown else suffix.lstrip("\n")


def _as_json(raw: bytes, *, indent: int | None) -> str | None:
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or nested past json's own limit
        return None
    if not isinstance(parsed, dict | list) or _depth(parsed) > MAX_DEPTH:
        return None
    return json.dumps(redact(parsed), indent=indent, ensure_ascii=False)


def _depth(value: Any) -> int:
    """How deeply a parsed JSON value nests, counted without recursion (it may be thousands deep)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest
