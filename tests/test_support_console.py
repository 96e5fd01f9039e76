"""The support console (issue 15): state belongs to services, a return's case page, support's services."""

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from config.exceptions import ApplicationError
from integrations.models import ApiCall, Connection, InboundWebhook
from returns.admin import kind_label
from returns.models import RMA, Return, ReturnLine, ReturnShipment, RMALine, TimelineEvent
from returns.services import support
from tests.factories import (
    ConnectionFactory,
    InboundWebhookFactory,
    ReturnFactory,
    ReturnLineFactory,
    ReturnShipmentFactory,
    RMAFactory,
    RMALineFactory,
)

State = Return.PlatformActionStatus


@pytest.fixture
def support_user(db: None) -> Any:
    return get_user_model().objects.create_superuser("dana", "dana@example.com", "pw")


@pytest.fixture
def client(support_user: Any) -> Client:
    c = Client()
    c.force_login(support_user)
    return c


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Platform actions published to the broker (none is: the test only sees the ids)."""
    from returns.services import outcomes

    ids: list[int] = []
    monkeypatch.setattr(outcomes, "_publish", ids.append)
    return ids


def _change(model: type, pk: int) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


# --- State belongs to services -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_rma_form_cannot_change_status_number_external_id_or_attempts(client: Client) -> None:
    rma = RMAFactory(status=RMA.Status.FAILED, number="1042", external_id="", attempts=8)

    page = client.get(_change(RMA, rma.pk)).content.decode()
    for field in ("status", "number", "external_id", "attempts"):
        assert f'name="{field}"' not in page, field
    client.post(
        _change(RMA, rma.pk),
        {"status": "received", "number": "9999", "external_id": "X1", "attempts": "0", "_save": "Save"},
    )

    rma.refresh_from_db()
    assert (rma.status, rma.number, rma.external_id, rma.attempts) == (RMA.Status.FAILED, "1042", "", 8)


@pytest.mark.django_db
def test_a_connection_form_cannot_change_status_breaker_or_health(client: Client) -> None:
    connection = ConnectionFactory(status=Connection.Status.FAILING, consecutive_failures=5, health_message="open")
    response = client.get(_change(Connection, connection.pk))
    page = response.content.decode()
    # The form loaded (a 404 or an error page would pass the checks below): its own fields are there, and the
    # service-owned state is shown, as text.
    assert response.status_code == 200
    assert 'id="connection_form"' in page
    assert 'name="name"' in page
    assert 'name="base_url"' in page
    assert "Failing (circuit breaker open)" in page
    for field in ("status", "consecutive_failures", "breaker_opened_at", "health_message", "last_error"):
        assert f'name="{field}"' not in page, field


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", [Return, ReturnLine, ReturnShipment, RMA, RMALine, InboundWebhook, ApiCall, TimelineEvent]
)
def test_rows_from_a_platform_or_a_service_cannot_be_added_or_deleted_by_hand(support_user: Any, model: type) -> None:
    """RMAs included: they are planned by services, and cancelled (the warehouse may have them), never deleted."""
    model_admin = admin.site._registry[model]
    request = _request(support_user)

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def _request(user: Any) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.django_db
def test_a_status_correction_records_who_and_why(support_user: Any) -> None:
    rma = RMAFactory(status=RMA.Status.NEEDS_ATTENTION)

    support.rma_status_correct(rma_id=rma.pk, status=RMA.Status.CANCELLED, reason="Warehouse lost it", by="dana")

    rma.refresh_from_db()
    assert rma.status == RMA.Status.CANCELLED
    event = TimelineEvent.objects.get(rma=rma, kind="rma_status_corrected")
    assert event.data == {"from": "needs_attention", "to": "cancelled", "by": "dana", "reason": "Warehouse lost it"}
    assert "by dana: Warehouse lost it" in event.message


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "reason", "words"), [("received", " ", "why"), ("pending", "x", "Retry push")])
def test_a_status_correction_needs_a_reason_and_a_settable_status(status: str, reason: str, words: str) -> None:
    rma = RMAFactory(status=RMA.Status.NEEDS_ATTENTION)
    with pytest.raises(ApplicationError, match=words):
        support.rma_status_correct(rma_id=rma.pk, status=status, reason=reason, by="dana")
    assert RMA.objects.get(pk=rma.pk).status == RMA.Status.NEEDS_ATTENTION


# --- Retrying a failed platform action (issue 16) ------------------------------------------------


def _failed_return(action: str = "flag") -> Return:
    return_obj = ReturnFactory(platform_action=State.FAILED)
    TimelineEvent.objects.create(
        return_obj=return_obj, kind="platform_action_failed", level="error", message="no", data={"action": action}
    )
    return return_obj


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "state"), [("flag", State.FLAG_QUEUED), ("process", State.PROCESS_QUEUED)])
def test_retrying_a_failed_platform_action_queues_the_same_action_once(
    published: list[int], django_capture_on_commit_callbacks: Any, action: str, state: str
) -> None:
    return_obj = _failed_return(action)

    with django_capture_on_commit_callbacks(execute=True):
        support.return_platform_action_retry(return_id=return_obj.pk, by="dana")
    with django_capture_on_commit_callbacks(execute=True):
        support.return_platform_action_retry(return_id=return_obj.pk, by="dana")  # a double click

    return_obj.refresh_from_db()
    assert return_obj.platform_action == state
    assert published == [return_obj.pk]
    retries = TimelineEvent.objects.filter(return_obj=return_obj, kind="platform_action_retry")
    assert [e.data["by"] for e in retries] == ["dana"]


@pytest.mark.django_db
def test_a_platform_action_that_did_not_fail_is_not_retried(published: list[int]) -> None:
    return_obj = ReturnFactory(platform_action=State.PROCESSED)
    with pytest.raises(ApplicationError, match="only a failed one"):
        support.return_platform_action_retry(return_id=return_obj.pk)
    assert Return.objects.get(pk=return_obj.pk).platform_action == State.PROCESSED


# --- The case page ----------------------------------------------------------------------------------


def _case(return_obj: Return) -> str:
    return reverse("admin:returns_return_change", args=[return_obj.pk])


@pytest.mark.django_db
def test_kind_labels_read_as_words() -> None:
    assert kind_label("rma_planned") == "RMA planned"
    assert kind_label("platform_action_failed") == "Platform action failed"
    assert kind_label("rma.created") == "RMA created"
    assert kind_label("rmas_replanned") == "RMAs replanned"


@pytest.mark.django_db
def test_the_case_page_tells_the_story_with_its_evidence(client: Client) -> None:
    rma = RMAFactory(status=RMA.Status.NEEDS_ATTENTION, attempts=3, last_error="Unknown SKU TEE-BLK-M")
    return_obj = rma.return_obj
    ReturnLineFactory(return_obj=return_obj, sku="TEE-BLK-M", quantity=2, reason="Too small")
    ReturnShipmentFactory(return_obj=return_obj)
    webhook = InboundWebhookFactory(connection=return_obj.connection)
    call = ApiCall.objects.create(provider="shipmonk", method="POST", url="https://api.test/rma", status_code=422)
    event = TimelineEvent.objects.create(
        return_obj=return_obj,
        rma=rma,
        kind="rma_planned",
        level="error",
        message="RMA rejected",
        webhook=webhook,
        api_call=call,
    )

    response = client.get(_case(return_obj))

    assert response.status_code == 200
    html = response.content.decode()
    # Read-only: a story, not a form.
    assert "<select" not in html
    assert "<textarea" not in html
    for text in ("TEE-BLK-M", "Too small", rma.number, "Needs attention", "Unknown SKU TEE-BLK-M", "RMA planned"):
        assert text in html, text
    assert f"{event.created_at:%Y-%m-%d %H:%M:%S}" in html
    assert _change(InboundWebhook, webhook.pk) in html
    assert _change(ApiCall, call.pk) in html
    assert "bh-level-error" in html
    assert str(return_obj.store) in html


@pytest.mark.django_db
def test_the_order_links_to_the_platform_where_the_declaration_names_a_url(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from integrations import registry

    return_obj = ReturnFactory(external_id="880123")
    spec = registry.PROVIDERS["loop"]
    declaration = dataclasses.replace(spec.declaration, return_admin_url="https://platform.test/returns/{external_id}")
    monkeypatch.setitem(registry.PROVIDERS, "loop", dataclasses.replace(spec, declaration=declaration))

    html = client.get(_case(return_obj)).content.decode()

    assert 'href="https://platform.test/returns/880123"' in html


@pytest.mark.django_db
def test_a_case_action_confirms_first_then_calls_the_service_and_says_who(client: Client) -> None:
    rma = RMAFactory(status=RMA.Status.FAILED, attempts=8, external_id="")
    url = reverse("admin:returns_return_case_action", args=[rma.return_obj_id, "retry_push"]) + f"?rma={rma.pk}"

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "fresh attempt budget" in confirm.content.decode()
    assert RMA.objects.get(pk=rma.pk).status == RMA.Status.FAILED

    done = client.post(url, {"post": "yes", "rma": rma.pk})

    assert done.status_code == 302
    assert done["Location"] == _case(rma.return_obj)
    rma.refresh_from_db()
    assert (rma.status, rma.attempts) == (RMA.Status.PENDING, 0)
    assert TimelineEvent.objects.get(rma=rma, kind="rma_retry").data == {"by": "dana"}


@pytest.mark.django_db
def test_correcting_a_status_from_the_case_page_asks_why(client: Client) -> None:
    rma = RMAFactory(status=RMA.Status.NEEDS_ATTENTION)
    url = reverse("admin:returns_return_case_action", args=[rma.return_obj_id, "correct_status"]) + f"?rma={rma.pk}"

    without_reason = client.post(url, {"post": "yes", "status": "received", "reason": ""})
    assert without_reason.status_code == 200  # the form again, with its error
    assert RMA.objects.get(pk=rma.pk).status == RMA.Status.NEEDS_ATTENTION

    client.post(url, {"post": "yes", "status": "received", "reason": "Counted on site"})
    assert RMA.objects.get(pk=rma.pk).status == RMA.Status.RECEIVED
    event = TimelineEvent.objects.get(rma=rma, kind="rma_status_corrected")
    assert (event.data["by"], event.data["reason"]) == ("dana", "Counted on site")


@pytest.mark.django_db
def test_an_unknown_case_action_or_foreign_rma_is_a_404(client: Client) -> None:
    rma, other = RMAFactory(), RMAFactory()
    base = reverse("admin:returns_return_case_action", args=[rma.return_obj_id, "retry_push"])
    assert client.get(base + f"?rma={other.pk}").status_code == 404
    assert client.get(base + "?rma=abc").status_code == 404
    bad = reverse("admin:returns_return_case_action", args=[rma.return_obj_id, "drop_table"])
    assert client.get(bad).status_code == 404


@pytest.mark.django_db
def test_lists_show_what_needs_attention_and_link_rmas_to_their_return(client: Client) -> None:
    rma = RMAFactory(status=RMA.Status.FAILED, number="1042_01")
    RMALineFactory(rma=rma)
    returns_page = client.get(reverse("admin:returns_return_changelist")).content.decode()
    assert "RMA 1042_01 failed" in returns_page
    rmas_page = client.get(reverse("admin:returns_rma_changelist")).content.decode()
    assert _case(rma.return_obj) in rmas_page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("returns_return", {"platform_action__exact": "failed"}, 1),
        ("returns_return", {"attention": "any"}, 2),
        ("returns_rma", {"status__exact": "needs_attention"}, 1),
        ("returns_rma", {"status__exact": "failed"}, 0),
        ("returns_rma", {"status__exact": "pending"}, 0),
        ("returns_rma", {"attention": "needs_attention"}, 1),
        ("integrations_inboundwebhook", {"status__exact": "failed"}, 1),
        ("integrations_connection", {"status__exact": "credentials_rejected"}, 1),
        ("integrations_connection", {"health": "credentials_rejected"}, 1),
        ("integrations_connection", {"health": "breaker_open"}, 0),
    ],
)
def test_the_filters_the_overview_links_to(client: Client, name: str, params: dict, expected: int) -> None:
    RMAFactory(status=RMA.Status.NEEDS_ATTENTION)
    ReturnFactory(platform_action=State.FAILED)
    InboundWebhookFactory(status=InboundWebhook.Status.FAILED)
    ConnectionFactory(status=Connection.Status.CREDENTIALS_REJECTED)

    response = client.get(reverse(f"admin:{name}_changelist"), params)

    assert response.status_code == 200
    assert "?e=1" not in response.get("Location", "")
    assert response.context["cl"].result_count == expected


# --- The connection page ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_loop_connection_shows_no_other_providers_fields(client: Client) -> None:
    loop = ConnectionFactory(provider="loop")
    html = client.get(_change(Connection, loop.pk)).content.decode()
    assert 'name="api_key"' in html
    for other in ("api_username", "api_password", "access_token", "webhook_username", "webhook_password", "wms_name"):
        assert f'name="{other}"' not in html, other


@pytest.mark.django_db
def test_a_connection_page_says_health_in_words_with_the_real_last_success(client: Client) -> None:
    connection = ConnectionFactory(provider="shipmonk", last_success_at=None)
    call = ApiCall.objects.create(
        connection=connection, provider="shipmonk", method="GET", url="https://api.test/ok", status_code=200
    )
    html = client.get(_change(Connection, connection.pk)).content.decode()
    assert "Healthy: circuit breaker closed" in html
    assert "Never" not in html
    assert f"{call.created_at:%Y-%m-%d %H:%M:%S}" in html
    assert _change(ApiCall, call.pk) in html  # recent calls, linked
    assert "bh-copy" in html  # the webhook URL's copy button
    assert "Previous webhook password expires at" in html  # ShipMonk rotates a Basic Auth password
