"""The operations console for stores, connections and the raw logs of every webhook and API call.

One module per admin (issue 17); the helpers every admin shares are in `common`. Importing this
package registers them all (Django's admin autodiscovery imports `integrations.admin`).
"""

from integrations.admin import api_calls, connections, notifications, refusals, stores, webhooks
from integrations.admin.common import (
    EXPECTED_ERRORS,
    ReadOnlyMixin,
    ServiceOwnedInline,
    action_done_page,
    badge,
    confirm_action,
    error_text,
    pretty_json,
    pretty_text,
    run_for_each,
    truncated,
)

__all__ = (
    "EXPECTED_ERRORS",
    "ReadOnlyMixin",
    "ServiceOwnedInline",
    "action_done_page",
    "api_calls",
    "badge",
    "confirm_action",
    "connections",
    "error_text",
    "notifications",
    "pretty_json",
    "pretty_text",
    "refusals",
    "run_for_each",
    "stores",
    "truncated",
    "webhooks",
)
