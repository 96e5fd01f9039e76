"""Loop request bodies and answer checks (pure functions, no I/O).

https://docs.loopreturns.com/integration-guides/process-returns.md ; providers.md §1.2, §1.7
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from integrations.base import ItemGradeReport
from integrations.providers._common import compact

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


# Dispositioning API (providers.md §8.1): at most 30 items a call; description at most 255 characters.
GRADE_DESCRIPTION_MAX = 255


def _line_item_id(item_id: str) -> int | str:
    """Loop's line_item_id is an integer (the return webhook's line items)."""
    return int(item_id) if item_id.isdigit() else item_id


def _inspected_at(item: ItemGradeReport) -> str:
    """`YYYY-MM-DD HH:MM:SS` (UTC)."""
    if item.inspected_at is None:
        return ""
    return item.inspected_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def grade_body(items: Sequence[ItemGradeReport]) -> dict[str, Any]:
    """POST /dispositioning/grade {"items": [{line_item_id, description, condition_category, note, images,
    inspected_at}]}; empty values left out."""
    return {
        "items": [
            compact(
                {
                    "line_item_id": _line_item_id(item.item_id),
                    "description": (item.description or "Graded at the warehouse")[:GRADE_DESCRIPTION_MAX],
                    "condition_category": item.condition_category,
                    "note": item.note,
                    "images": list(item.images),
                    "inspected_at": _inspected_at(item),
                }
            )
            for item in items
        ]
    }


def assess_body(items: Sequence[ItemGradeReport]) -> dict[str, Any]:
    """POST /dispositioning/assess {"items": [{line_item_id, disposition_outcome, note, inspected_at}]}."""
    return {
        "items": [
            compact(
                {
                    "line_item_id": _line_item_id(item.item_id),
                    "disposition_outcome": item.disposition_outcome,
                    "note": item.note,
                    "inspected_at": _inspected_at(item),
                }
            )
            for item in items
        ]
    }
