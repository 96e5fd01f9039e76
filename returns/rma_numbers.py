"""What an RMA is called: the order's name, then _01, _02 ... for the order's later RMAs (pure)."""

from returns.models import RMA, Return

# RMA.number holds the base plus a suffix for the order's later RMAs ("_01", "_02", ...): the base
# keeps room for it, so a 100-character order name still numbers without a database error.
RMA_BASE_MAX_LENGTH = (RMA._meta.get_field("number").max_length or 100) - 8


def base_rma_number(*, return_obj: Return) -> str:
    """The order name without '#'; a return without an order name falls back to the platform's id.

    Cut to RMA_BASE_MAX_LENGTH: two orders that share so long a prefix share its numbering, so
    their RMAs still get different numbers."""
    name = (return_obj.order_name or return_obj.order_number or "").strip().lstrip("#").strip()
    return (name or f"{return_obj.platform.upper()}-{return_obj.external_id}")[:RMA_BASE_MAX_LENGTH]


def rma_number(*, base: str, index: int) -> str:
    """The order's index-th RMA number, counting from 0: `1042`, `1042_01`, `1042_02`."""
    return base if index == 0 else f"{base}_{index:02d}"
