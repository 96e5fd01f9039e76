"""Small pure helpers shared by the payload builders."""

from typing import Any

from integrations.base import RmaPayload

_EMPTY = (None, "", "none", "None", "null")


def compact(value: Any) -> Any:
    """Drop keys whose value is None, "", "none", [] or {} (recursively): writes are non-nullable."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = compact(item)
            if (isinstance(item, str) and item in _EMPTY) or item is None or item in ([], {}):
                continue
            out[key] = item
        return out
    if isinstance(value, list | tuple):
        return [compact(v) for v in value if v not in _EMPTY]
    return value


def sku_note_lines(payload: RmaPayload) -> list[str]:
    """One line per SKU with its reasons and instruction: `TEE-BLK-M: Too small (Fit) - restock`."""
    lines = []
    for line in payload.lines:
        parts = [f"{line.sku}:"]
        parts.append("; ".join(line.reasons) if line.reasons else "no reason given")
        if line.instruction:
            parts.append(f"- {line.instruction}")
        if line.instruction_note:
            parts.append(f"({line.instruction_note})")
        lines.append(" ".join(parts))
    return lines


def full_note(payload: RmaPayload, *, header: bool = True) -> str:
    """Reasons per SKU, then the store's standing instructions."""
    lines = []
    if header:
        lines.append(f"Return {payload.platform} {payload.platform_return_id} for order {payload.order_name}".strip())
    lines.extend(sku_note_lines(payload))
    if payload.instructions:
        lines.append(payload.instructions.strip())
    return "\n".join(line for line in lines if line)
