"""The OpenAPI schema is valid, and the API keeps it: schemathesis fuzzes every operation in-process.

Authenticated as staff with a token; checks: no 5xx, documented status codes and content types,
and every response body matches its schema (errors included: one shape everywhere).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import World, make_store_objects

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_schema_is_valid_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/returns/{id}/" in text
    assert "ConnectionOutput" in text


def test_schema_and_docs_are_served(client: Any) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/stores/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    # Swagger UI comes from the sidecar through static files, never a CDN.
    assert b"drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs.content
    assert b"cdn.jsdelivr" not in docs.content


def load_schema() -> Any:
    """The served schema, loaded in-process over WSGI (no DB access: the schema view is anonymous)."""
    from config.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE], max_examples=6)
    loaded.config.phases.update(phases=["examples", "fuzzing"])
    return loaded


schema = load_schema()


@pytest.fixture
def fuzz_world(world: World, fake_services: dict) -> Iterator[World]:
    """Real rows in two stores so lists and details return full bodies to check against the schema."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    make_store_objects(world.store_a)
    make_store_objects(world.store_b)
    # Requests go straight to the WSGI app, not through Django's test client, so do what the client
    # does: keep the test's connection (inside its transaction) open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield world
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_keeps_its_contract(case: Any, fuzz_world: World) -> None:
    case.call_and_validate(headers={"Authorization": fuzz_world.staff.credentials_header}, checks=CHECKS)
