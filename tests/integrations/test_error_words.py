"""The provider's own words from an error answer include the details it lists: they say what to fix."""

import json

import pytest
import requests

from integrations.http import BaseHttpClient


def _answer(body: object, status: int = 422) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return response


@pytest.mark.parametrize(
    ("body", "words"),
    [
        # ShipMonk
        (
            {
                "status": 422,
                "message": "Validation failed",
                "errors": ["body.items[0].sku: product 'X' does not exist"],
            },
            "Validation failed: body.items[0].sku: product 'X' does not exist",
        ),
        # TrackStar
        (
            {"error": "Request body failed schema validation", "details": ["body.order_id: must not be null"]},
            "Request body failed schema validation: body.order_id: must not be null",
        ),
        # Loop
        (
            {"errors": {"message": "Invalid note", "code": "VALIDATION_ERROR", "details": ["body.content: too long"]}},
            "Invalid note: body.content: too long",
        ),
        # Redo (problem+json): the detail already lists them
        (
            {"title": "Invalid status", "status": 400, "detail": "body.status: must be one of"},
            "body.status: must be one of",
        ),
        ({"status": 401, "message": "Unauthorized", "errors": []}, "Unauthorized"),
    ],
)
def test_error_words(body: object, words: str) -> None:
    assert BaseHttpClient(base_url="https://x.example").error_message(_answer(body)) == words
