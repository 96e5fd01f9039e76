"""Which parcel of a return carries a line (pure)."""

from returns.models import ReturnLine, ReturnShipment


def shipment_for_line(line: ReturnLine, shipments: list[ReturnShipment]) -> ReturnShipment | None:
    """The parcel carrying this line: one naming it, else the only parcel (or the only one naming none)."""
    keys = {str(line.line_key), *(str(i) for i in line.external_line_ids or [])}
    for shipment in shipments:
        if keys & {str(k) for k in shipment.line_keys or []}:
            return shipment
    unnamed = [s for s in shipments if not s.line_keys]
    if len(unnamed) == 1:
        return unnamed[0]
    return None
