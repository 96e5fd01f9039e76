"""Stored bodies shown to people: JSON when it can be, raw text otherwise, cut with a note (issue 13)."""

import pytest

from integrations.display import MAX_CHARS, body_for_display

DEEP = b"[" * 100_000


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        (b'{"a": 1, "password": "p"}', '{\n  "a": 1,\n  "password": "[redacted]"\n}'),
        (DEEP * 2, "[" * MAX_CHARS + f"\n… ({200_000 - MAX_CHARS:,} more characters not shown)"),
        (b"[" * 70 + b"]" * 70, "[" * 70 + "]" * 70),  # valid JSON, but deeper than shown as JSON
        (b"\xff\x00 not json", "\ufffd\ufffd not json"),
        (b'{"a": "\\ud800 lone surrogate"}', '{\n  "a": "\ufffd lone surrogate"\n}'),
        (b"", ""),
    ],
    ids=["json", "deep-brackets", "deep-json", "binary", "surrogate", "empty"],
)
def test_body_for_display(body, shown):
    assert body_for_display(body) == shown


def test_body_for_display_says_when_only_part_was_stored():
    assert body_for_display(b"abc", true_length=3_000_000) == "abc\n… (only the first 3 of 3,000,000 bytes were stored)"


def test_body_for_display_says_when_none_was_read():
    """A body refused for its declared size is never read: the note alone, not a blank."""
    assert body_for_display(b"", true_length=3_000_000) == "… (none of 3,000,000 bytes were stored)"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        b'{"a": ' * 5000 + b"1" + b"}" * 5000,
        b"\x00\xff" * 10,
        b'{"password": "p", "x": [1, 2]}',
        b'{"a": "\\ud800"}',
    ],
    ids=["deep-brackets", "deep-json", "binary", "json", "surrogate"],
)
def test_a_stored_body_never_breaks_the_list_api_or_the_admin(body):
    from tests.factories import InboundWebhookFactory
    from tests.integrations.webhooks.conftest import assert_pages_show

    assert_pages_show([InboundWebhookFactory(body=body).pk])


def test_a_stored_webhook_body_has_one_way_to_be_shown() -> None:
    """InboundWebhook.body_text (a bare decode: no redaction, no cut, lone surrogates kept) is gone, so no page
    or serializer can pick it over body_for_display again."""
    from integrations.models import InboundWebhook

    assert not hasattr(InboundWebhook, "body_text")
