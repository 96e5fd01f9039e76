"""RMAs: triggers, the push and its guards (test data, lease, circuit breaker), later changes, support actions, sweeps.

One module per job; import the function from its module (returns.services.rmas.push.rma_push).
"""
