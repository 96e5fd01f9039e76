"""Beat's part of the circuit breaker (integrations/circuit_breaker.py guards every call at the transport): after
its cooldown an open breaker needs a call to try, and an RMA push is that call.

Beat publishes the trial (breakers_trial_publish) every RMA_SWEEP_INTERVAL_SECONDS; any push, tracking update or
cancel that meets the breaker after the cooldown may be the trial too (the transport claims it).
"""

from datetime import datetime

from django.utils import timezone

from integrations.circuit_breaker import trial_due
from integrations.models import Connection
from returns.models import RMA
from returns.services.rmas.publishing import rma_task_publish


def breakers_trial_publish(*, now: datetime | None = None) -> int:
    """For each open breaker past its cooldown, publish the push of its oldest pending RMA (the trial)."""
    now = now or timezone.now()
    published = 0
    for connection_id in Connection.objects.filter(trial_due(now), status=Connection.Status.FAILING).values_list(
        "pk", flat=True
    ):
        rma_id = (
            RMA.objects.filter(warehouse_connection_id=connection_id, status=RMA.Status.PENDING)
            .order_by("created_at")
            .values_list("pk", flat=True)
            .first()
        )
        if rma_id is not None:
            rma_task_publish("rma_push", rma_id)
            published += 1
    return published
