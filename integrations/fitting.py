"""Values from the outside made to fit our columns: PostgreSQL refuses NUL in text and JSON, a
lone UTF-16 surrogate (JSON's "\\ud800") cannot be encoded to UTF-8 at all, and a varchar refuses
a longer value. Pure functions; the DTOs (integrations/inbound.py) and the stored webhook row
(integrations/services/webhooks.py) apply them, so a model write never meets any of these.

Three ways to fit, chosen per value by what a change would do to it:
- text (a title, a reason, a status word) is cut, and a character that cannot be stored is shown
  as U+FFFD;
- a key we build ourselves (a dedupe key, a line key) is hashed to fit, so two different long
  values never become the same key;
- an identifier the provider gave (a return id, a SKU) is never changed: the caller refuses it.
"""

import hashlib
import re
from collections.abc import Mapping
from typing import Any

NUL = "\x00"
# NUL and lone surrogates: what neither PostgreSQL nor UTF-8 can store.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Visible where the character was, and one character, so a cut length stays a character count.
UNSTORABLE_SHOWN_AS = "\ufffd"
# A provider's JSON (addresses, packages) nested deeper than this is refused: nothing real needs
# it, and deeper values would reach the recursion limit in json.dumps when the row is saved.
MAX_JSON_DEPTH = 32


class TooDeep(ValueError):
    """A JSON value nested deeper than MAX_JSON_DEPTH."""


def is_storable(value: str) -> bool:
    """No NUL and no lone surrogate (ASCII text, the common case, is checked without a regex)."""
    return NUL not in value if value.isascii() else _UNSTORABLE.search(value) is None


def storable_text(value: str) -> str:
    return value if is_storable(value) else _UNSTORABLE.sub(UNSTORABLE_SHOWN_AS, value)


def cut_text(value: str, limit: int) -> str:
    """Unstorable characters made visible, then cut to `limit` characters."""
    return storable_text(value)[:limit]


def fitted_key(value: str, limit: int) -> str:
    """The key itself when it fits and is storable; else a readable prefix and a hash of the whole."""
    if len(value) <= limit and is_storable(value):
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{storable_text(value)[: max(limit - 33, 0)]}#{digest}"


def storable_json(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A copy of a JSON-like value (dicts, lists, tuples, scalars) with unstorable characters made
    visible in keys and strings; raises TooDeep beyond max_depth levels of nesting."""
    return _storable_json(value, max_depth)


def _storable_json(value: Any, depth_left: int) -> Any:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, Mapping):
        if depth_left <= 0:
            raise TooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
        return {storable_text(str(k)): _storable_json(v, depth_left - 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if depth_left <= 0:
            raise TooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
        return [_storable_json(v, depth_left - 1) for v in value]
    return value
