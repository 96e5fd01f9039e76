"""Step 5: a test return sent through the real pipeline as a signed platform webhook."""

import logging
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction

from integrations.models import Store
from integrations.sandbox.models import SandboxAccount, SandboxWebhookDelivery
from integrations.wizard.selectors import (
    locations_for_store,
    returns_platform_connection,
    warehouse_connection,
)
from integrations.wizard.services.errors import WizardError

logger = logging.getLogger(__name__)


TEST_SKUS = ("BACKHAUL-TEST-TEE", "BACKHAUL-TEST-CAP")


def _test_lines(store: Store) -> list[dict[str, Any]]:
    skus = list(store.sku_mappings.order_by("platform_sku").values_list("platform_sku", flat=True)[:2])
    skus += [s for s in TEST_SKUS if s not in skus][: 2 - len(skus)]
    return [
        {"sku": skus[0], "quantity": 2, "reason": "Too small", "parent_reason": "Fit", "title": "Test item"},
        {"sku": skus[1], "quantity": 1, "reason": "Changed my mind", "parent_reason": "Other", "title": "Test item"},
    ]


@transaction.atomic
def test_return_send(*, store: Store) -> SandboxWebhookDelivery:
    """Send a synthetic, test-flagged return as a signed platform webhook to the store's own endpoint."""
    from integrations.sandbox.services import sandbox_new_return_send

    if not settings.SANDBOX_ENABLED:
        raise WizardError("Test returns need the sandbox, which is turned off on this server.")
    connection = returns_platform_connection(store=store)
    if connection is None or not connection.webhook_secret:
        raise WizardError("Connect your returns platform first (step 1): the test return arrives as its webhook.")
    if warehouse_connection(store=store) is None or not any(loc.is_default for loc in locations_for_store(store=store)):
        raise WizardError("Connect your warehouse system and choose a default shipping location first.")
    account = SandboxAccount.objects.filter(provider=connection.provider, connection=connection).order_by("pk").first()
    if account is None:
        account = SandboxAccount.objects.create(
            provider=connection.provider, connection=connection, name=f"Setup wizard: {store.name}"
        )
    suffix = secrets.token_hex(3).upper()
    return_id, order_name = f"test-{suffix.lower()}", f"#TEST-{suffix}"
    tracking = "9400" + "".join(str(secrets.randbelow(10)) for _ in range(18))
    return sandbox_new_return_send(
        account=account,
        return_id=return_id,
        order_name=order_name,
        lines=_test_lines(store),
        tracking=tracking,
        test=True,
    )
