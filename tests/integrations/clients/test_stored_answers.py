"""What a provider answers is stored on its ApiCall whatever it is: NUL bytes, lone surrogates, JSON nested
far past Python's recursion limit, a value of megabytes. On PostgreSQL, which refuses NUL in text."""

import contextlib
import json

import pytest
import responses

from config.logging import REDACTED
from integrations.exceptions import ProviderRejected
from integrations.fitting import UNSTORABLE_SHOWN_AS
from integrations.http import MAX_LOGGED_BODY, BaseHttpClient
from integrations.models import ApiCall

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

BASE = "https://api.provider.test"


class Client(BaseHttpClient):
    provider = "loop"


def _stored_answer(body: bytes, *, status: int = 200, secrets: tuple[str, ...] = ()) -> str:
    responses.get(f"{BASE}/thing", body=body, status=status, content_type="application/json")
    client = Client(base_url=BASE, secrets=secrets)
    with contextlib.suppress(ProviderRejected):
        client.request("GET", "/thing", operation="get_thing")
    return ApiCall.objects.get(pk=client.last_api_call_id).response_body


@responses.activate
def test_nul_bytes_in_plain_text_are_stored_visible() -> None:
    stored = _stored_answer(b"bad\x00gateway", status=400)
    assert stored == f"bad{UNSTORABLE_SHOWN_AS}gateway"
    assert ApiCall.objects.get().error_message == f"loop answered 400: bad{UNSTORABLE_SHOWN_AS}gateway"


@responses.activate
def test_nul_and_lone_surrogates_inside_json_are_stored_visible_and_secrets_redacted() -> None:
    stored = _stored_answer(json.dumps({"note": "a\u0000b\ud800c", "api_key": "k"}).encode())
    # NUL stays JSON's own escape (text that PostgreSQL stores); a lone surrogate cannot be stored at all.
    assert json.loads(stored) == {"note": f"a\x00b{UNSTORABLE_SHOWN_AS}c", "api_key": REDACTED}
    assert "\x00" not in stored


@responses.activate
def test_json_nested_past_the_recursion_limit_is_stored_as_its_text_cut() -> None:
    stored = _stored_answer(b"[" * 100_000 + b"]" * 100_000)
    assert stored == "[" * MAX_LOGGED_BODY


@responses.activate
def test_json_nested_deeper_than_json_dumps_manages_but_parseable_is_stored() -> None:
    # json.loads manages ~900 levels here; redact() and json.dumps would recurse on them again.
    stored = _stored_answer(b'{"a":' * 900 + b"1" + b"}" * 900)
    assert stored.startswith('{"a":{"a":')
    assert len(stored) <= MAX_LOGGED_BODY


@responses.activate
def test_a_value_of_megabytes_is_stored_cut_and_a_secret_in_it_scrubbed() -> None:
    secret = "sk-live-0123456789"
    stored = _stored_answer(json.dumps({"log": secret + "x" * 5_000_000}).encode(), secrets=(secret,))
    assert len(stored) == MAX_LOGGED_BODY
    assert secret not in stored
