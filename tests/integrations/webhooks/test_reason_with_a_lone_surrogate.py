"""A refusal's one-line reason that quotes the payload is answered even when the quote cannot be UTF-8 (a lone
surrogate, which JSON's "\\ud800" escape gives): 400, never a 500. Found by tests/integrations/webhooks/test_fuzz.py."""

import json

import pytest

from integrations.models import InboundWebhook
from tests.conftest import load_fixture

from .conftest import post_webhook

pytestmark = pytest.mark.django_db


def test_a_reason_quoting_a_lone_surrogate_is_answered(client, connection_for):
    body = json.loads(load_fixture("loop", "return_created"))
    body["topic"], body["id"] = "\ud800 lone surrogate", None
    response = post_webhook(client, connection_for("loop"), json.dumps(body).encode())
    assert response.status_code == 400
    assert response.content == b"? lone surrogate:return.created without an id\n"
    assert InboundWebhook.objects.get().status == InboundWebhook.Status.REJECTED
