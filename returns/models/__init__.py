"""Returns as the platform sees them, the RMAs the warehouse receives, the timeline that ties them, the store's
rules, and the parcels that arrived without an RMA: one module each, all imported here (Django finds an app's
models in its `models` module)."""

from returns.models.orphans import OrphanReceipt
from returns.models.returns import Return, ReturnLine, ReturnMethodChoice, ReturnShipment
from returns.models.rmas import RMA, RMALine, RmaNumberSequence, TimelineEvent
from returns.models.store_rules import (
    DispositionRule,
    GradeMapping,
    GradeOutcome,
    GradeWordKind,
    Instruction,
    PlatformAction,
    RoutingOutcome,
    RoutingRule,
    StatusMapping,
    WarehouseOutcome,
)

__all__ = [
    "DispositionRule",
    "GradeMapping",
    "GradeOutcome",
    "GradeWordKind",
    "Instruction",
    "OrphanReceipt",
    "PlatformAction",
    "RMA",
    "RMALine",
    "Return",
    "ReturnLine",
    "ReturnMethodChoice",
    "ReturnShipment",
    "RmaNumberSequence",
    "RoutingOutcome",
    "RoutingRule",
    "StatusMapping",
    "TimelineEvent",
    "WarehouseOutcome",
]
