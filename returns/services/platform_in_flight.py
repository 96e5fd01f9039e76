"""The in-flight marker of a platform request: never sent twice after a crash.

Each call of a platform action (process, flag, note) is committed as `Return.platform_action_sending`
before it is sent and cleared once its answer (or error) is known. The return's lease says nobody else is
sending, and the ApiCall rows say which calls succeeded, so a marker still set when the next holder comes is
a request whose answer nobody saw: it is not sent again (the platforms take no idempotency key for these
calls) and the action is handed to support. See platform_action_sweeps.py for the rest of crash recovery.
"""

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from integrations.exceptions import ProviderError, ProviderPermanentError
from integrations.models import ApiCall
from returns.models import Return

logger = logging.getLogger(__name__)


class PlatformActionInDoubt(ProviderPermanentError):
    """A request of the action was sent by a holder that died before its answer: it may have landed."""


@contextlib.contextmanager
def platform_call_in_flight(*, return_id: int, operation: str) -> Iterator[None]:
    """Around one platform request (the caller holds the return's lease, outside any transaction).

    Raises PlatformActionInDoubt, without sending, when a dead holder left this very operation in
    flight. The marker stays set if the block ends by anything but an answer or a provider error
    (the process dying, a time limit), which is exactly the case the next holder must see."""
    left = Return.objects.filter(pk=return_id).values_list("platform_action_sending", flat=True).first()
    if left == operation:
        # Decided now: support sees it, and a support re-queue sends it again on purpose.
        Return.objects.filter(pk=return_id).update(platform_action_sending="")
        logger.warning("platform action %s of return %s in doubt after a worker died", operation, return_id)
        raise PlatformActionInDoubt(
            f"a worker stopped while waiting for the platform's answer to {operation.replace('_', ' ')}, so it "
            "may have been applied; it is not sent again (never twice): check the return on the platform"
        )
    Return.objects.filter(pk=return_id).update(platform_action_sending=operation)
    try:
        yield
    except ProviderError:
        Return.objects.filter(pk=return_id).update(platform_action_sending="")
        raise
    Return.objects.filter(pk=return_id).update(platform_action_sending="")


def platform_call_succeeded(*, return_id: int, operation: str) -> int | None:
    """The ApiCall of an earlier successful call of this operation for the return (a rerun skips it)."""
    call = (
        ApiCall.objects.filter(
            return_obj_id=return_id, operation=operation, status_code__gte=200, status_code__lt=300, error_class=""
        )
        .order_by("-id")
        .first()
    )
    return call.pk if call else None


def platform_call_once(return_id: int, operation: str, call: Callable[[], Any]) -> int | None:
    """Make one platform call unless an earlier run made it successfully (its ApiCall id then), never twice after a
    crash (platform_call_in_flight); the operation is the name the client logs the call under."""
    done = platform_call_succeeded(return_id=return_id, operation=operation)
    if done is not None:
        return done
    with platform_call_in_flight(return_id=return_id, operation=operation):
        result = call()
    return result[0] if isinstance(result, tuple) else result
