"""The keys an orphan receipt is matched by (product.md flow 12), in the forms they are compared in. Pure.

A parcel the warehouse could not tie to an RMA still carries what the shopper's label and order say: a tracking
number (scanned from the label, sometimes with the USPS routing prefix), the order it came from, and at some
warehouses the customer's email. The matching service (returns/services/orphans/matching.py) looks our returns
up by these forms, in this order of trust: tracking number, then order, then email with the SKUs.
"""

from collections.abc import Iterable

from integrations.inbound import InboundWarehouseReturnEvent

# A USPS Intelligent Mail package barcode scanned whole: "420" + the 5- or 9-digit ZIP, then the tracking number.
_USPS_ROUTING = "420"
_ZIP_LENGTHS = (5, 9)
_SHORTEST_TRACKING = 10


def tracking_forms(numbers: Iterable[str]) -> set[str]:
    """Each tracking number as printed, upper-cased, without spaces, and without a USPS routing prefix."""
    forms: set[str] = set()
    for number in numbers:
        plain = "".join(str(number).split()).upper()
        if not plain:
            continue
        forms |= {str(number).strip(), plain}
        if plain.startswith(_USPS_ROUTING) and plain.isdigit():
            for zip_length in _ZIP_LENGTHS:
                rest = plain[len(_USPS_ROUTING) + zip_length :]
                if len(rest) >= _SHORTEST_TRACKING:
                    forms.add(rest)
    return {f for f in forms if f}


def email_form(email: str) -> str:
    return email.strip().lower()


def received_skus(event: InboundWarehouseReturnEvent) -> frozenset[str]:
    """The SKUs the parcel held (expected or received), for the email + SKUs key and to choose between RMAs."""
    if not event.lines:
        return frozenset()
    return frozenset(
        line.sku for line in event.lines if line.sku and (line.received_quantity or line.expected_quantity)
    ) or frozenset(line.sku for line in event.lines if line.sku)


def wms_key(event: InboundWarehouseReturnEvent) -> str:
    """What the WMS calls its return, as an orphan receipt is keyed: its own id, else the number on the box."""
    if event.external_id:
        return f"id:{event.external_id}"
    return f"rma:{event.rma_number}" if event.rma_number else ""


def lines_summary(event: InboundWarehouseReturnEvent) -> list[dict[str, object]]:
    """What arrived, per SKU, for people: [{"sku", "expected", "received", "restocked"}]."""
    return [
        {
            "sku": line.sku,
            "expected": line.expected_quantity,
            "received": line.received_quantity,
            "restocked": line.restocked_quantity,
        }
        for line in event.lines or ()
    ]
