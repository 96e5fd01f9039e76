"""Loop request bodies and answer checks (pure functions, no I/O).

https://docs.loopreturns.com/integration-guides/process-returns.md ; providers.md §1.2, §1.7
"""

import json
from typing import Any

# Loop refuses a note of 255 characters or more.
NOTE_MAX_LENGTH = 254


def note_body(content: str) -> dict[str, str]:
    """POST /warehouse/return/{id}/note: content under 255 characters (cut with an ellipsis)."""
    content = " ".join(content.split())
    if len(content) > NOTE_MAX_LENGTH:
        content = content[: NOTE_MAX_LENGTH - 1].rstrip() + "…"
    return {"content": content}


def webhook_body(*, topic: str, trigger: str, url: str) -> dict[str, str]:
    """POST /webhooks: the spec's default status is inactive, so ask for active explicitly."""
    return {"topic": topic, "trigger": trigger, "url": url, "status": "active"}


def answer_error(raw_text: str) -> str:
    """The error inside a 2xx answer, or "" when the answer means success.

    Loop answers a successful action with the bare string `true`, and reports an unprocessable
    return as {"message": ...} or {"errors": {"message", "code"}}, sometimes with HTTP 200.
    """
    stripped = (raw_text or "").strip()
    if stripped in ("", "true", '"true"', "1"):
        return ""
    try:
        data: Any = json.loads(stripped)
    except ValueError:
        return "" if stripped.lower() == "true" else f"unexpected answer: {stripped[:200]}"
    if data is True or data == "true":
        return ""
    if data is False or data == "false":
        return "Loop answered false"
    if isinstance(data, dict):
        if data.get("success") is False:
            return str(data.get("message") or "Loop answered success=false")
        errors = data.get("errors") or data.get("error")
        if errors:
            if isinstance(errors, dict):
                code = errors.get("code")
                message = str(errors.get("message") or json.dumps(errors))
                return f"{message} ({code})" if code else message
            if isinstance(errors, list):
                return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
            return str(errors)
        # A bare {"message": ...} (nothing else) is how Loop words a refusal.
        if set(data) <= {"message", "code", "status"} and data.get("message"):
            return str(data["message"])
    return ""


def webhooks_from(data: Any) -> list[dict[str, Any]]:
    """GET /webhooks → {"webhooks": [...]} (or a bare list)."""
    rows = data.get("webhooks") if isinstance(data, dict) else data
    return [row for row in rows or [] if isinstance(row, dict)]


def returns_from(data: Any) -> tuple[list[dict[str, Any]], str]:
    """GET /warehouse/return/list → (returns, next page URL or "")."""
    if isinstance(data, list):
        return [r for r in data if isinstance(r, dict)], ""
    if not isinstance(data, dict):
        return [], ""
    rows = data.get("returns")
    if rows is None:
        rows = data.get("data")
    next_url = data.get("next_page_url") or data.get("nextPageUrl") or ""
    links = data.get("links")
    if not next_url and isinstance(links, dict):
        next_url = links.get("next") or ""
    return [r for r in rows or [] if isinstance(r, dict)], str(next_url or "")
