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


def test_an_id_quoting_lone_surrogates_is_read_not_a_parser_crash(client, connection_for):
    """The fuzz test's other finding: an unknown event type with a lone surrogate and a long id made a dedupe key
    longer than 200 characters whose hashing raised inside the parser (the webhook was kept as failed)."""
    body = json.loads(load_fixture("loop", "return_created"))
    body["topic"] = "\ud800 lone surrogate"
    body["id"] = {"000000\u001f\ud823\udd09": None, "0" * 200: -(10**16)}
    response = post_webhook(client, connection_for("loop"), json.dumps(body).encode())
    assert response.status_code in (200, 202, 400)
    webhook = InboundWebhook.objects.get()
    assert webhook.status != InboundWebhook.Status.FAILED, (webhook.error, webhook.traceback[-800:])
