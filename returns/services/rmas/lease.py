"""One worker at a time per RMA and purpose (push, tracking, cancel), across processes and hosts.

The lease itself is config/leases.py: redis-py's Lock (or files in the quick start), taken once,
released by its token, lasting the task time limit so a killed holder's lease ends by then.
"""

from contextlib import AbstractContextManager

from config.leases import Lease, lease_acquire


def rma_lease(*, rma_id: int, purpose: str) -> AbstractContextManager[Lease]:
    """The lease on one RMA for one purpose; `held` says whether this worker got it."""
    return lease_acquire(key=f"rma:{purpose}:{rma_id}")
