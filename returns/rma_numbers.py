"""What an RMA is called: the order's name, then _01, _02 ... for the order's later RMAs (pure)."""

from returns.models import Return


def base_rma_number(*, return_obj: Return) -> str:
    """The order name without '#'; a return without an order name falls back to the platform's id."""
    name = (return_obj.order_name or return_obj.order_number or "").strip().lstrip("#").strip()
    return name or f"{return_obj.platform.upper()}-{return_obj.external_id}"


def rma_number(*, base: str, index: int) -> str:
    """The order's index-th RMA number, counting from 0: `1042`, `1042_01`, `1042_02`."""
    return base if index == 0 else f"{base}_{index:02d}"
