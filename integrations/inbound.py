"""The inbound webhook interface and the provider-neutral event DTOs webhooks are mapped to.

Owned by the inbound-webhook work: extend as the handlers need.
"""

import abc
from typing import ClassVar


class WebhookHandler(abc.ABC):
    """Verifies and parses one provider's webhooks; lives in integrations/providers/<slug>/webhooks.py."""

    slug: ClassVar[str]
