"""Values from the outside made to fit our columns: PostgreSQL refuses NUL in text and JSON, and a
varchar refuses a longer value. Pure functions; the DTOs (integrations/inbound.py) and the stored
webhook row (integrations/services/webhooks.py) apply them, so a model write never meets either.

Three ways to fit, chosen per value by what a change would do to it:
- text (a title, a reason, a status word) is cut and NUL shown as U+FFFD;
- a key we build ourselves (a dedupe key, a line key) is hashed to fit, so two different long
  values never become the same key;
- an identifier the provider gave (a return id, a SKU) is never changed: the caller refuses it.
"""

import hashlib
from collections.abc import Mapping
from typing import Any

NUL = "\x00"
# Visible where the NUL was, and one character, so a cut length stays a character count.
NUL_SHOWN_AS = "\ufffd"
# A provider's JSON (addresses, packages) nested deeper than this is refused: nothing real needs
# it, and deeper values would reach the recursion limit in json.dumps when the row is saved.
MAX_JSON_DEPTH = 32


class TooDeep(ValueError):
    """A JSON value nested deeper than MAX_JSON_DEPTH."""


def without_nul(value: str) -> str:
    return value.replace(NUL, NUL_SHOWN_AS) if NUL in value else value


def cut_text(value: str, limit: int) -> str:
    """NUL made visible, then cut to `limit` characters."""
    return without_nul(value)[:limit]


def fitted_key(value: str, limit: int) -> str:
    """The key itself when it fits and holds no NUL; else a readable prefix and a hash of the whole."""
    if len(value) <= limit and NUL not in value:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{without_nul(value)[: max(limit - 33, 0)]}#{digest}"


def json_without_nul(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A copy of a JSON-like value (dicts, lists, tuples, scalars) with NUL made visible in keys and
    strings; raises TooDeep beyond max_depth levels of nesting."""
    return _json_without_nul(value, max_depth)


def _json_without_nul(value: Any, depth_left: int) -> Any:
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, Mapping):
        if depth_left <= 0:
            raise TooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
        return {without_nul(str(k)): _json_without_nul(v, depth_left - 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if depth_left <= 0:
            raise TooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
        return [_json_without_nul(v, depth_left - 1) for v in value]
    return value
