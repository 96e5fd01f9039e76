"""Return.platform_action is one of its choices everywhere: the model, the API's output, filter and schema."""

import pytest
from django.core.exceptions import ValidationError

from returns.models import Return, TimelineEvent
from tests.api.conftest import World, assert_error
from tests.factories import ConnectionFactory, ReturnFactory

State = Return.PlatformActionStatus


def test_support_lists_the_returns_whose_platform_action_failed(world: World) -> None:
    loop = ConnectionFactory(store=world.store_a)
    failed = ReturnFactory(store=world.store_a, connection=loop, platform_action=State.FAILED)
    ReturnFactory(store=world.store_a, connection=loop, platform_action=State.PROCESSED)
    ReturnFactory(store=world.store_a, connection=loop)
    response = world.staff.get("/api/v1/returns/", {"platform_action": "failed"})
    assert response.status_code == 200, response.content
    assert [(row["id"], row["platform_action"]) for row in response.json()["results"]] == [(failed.pk, "failed")]


def test_an_unknown_platform_action_filter_is_a_400(world: World) -> None:
    assert_error(world.staff.get("/api/v1/returns/", {"platform_action": "refunded"}), 400)


def test_the_schema_lists_the_platform_action_values(world: World) -> None:
    schema = world.staff.get("/api/schema/", {"format": "json"}).json()
    output = schema["components"]["schemas"]
    enums = [set(d["enum"]) for d in output.values() if "process_queued" in (d.get("enum") or [])]
    # The blank value ("not decided") is its own BlankEnum in drf-spectacular's schema.
    assert enums == [set(State.values) - {""}]


@pytest.mark.django_db
def test_the_model_refuses_a_value_outside_its_choices() -> None:
    return_obj = ReturnFactory.build(platform_action="refunded")
    with pytest.raises(ValidationError, match="platform_action"):
        return_obj.full_clean(exclude=["store", "connection"])


def test_retry_the_platform_action_through_the_api(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from returns.services import outcomes

    monkeypatch.setattr(outcomes, "_publish", lambda return_id: None)  # no broker here
    loop = ConnectionFactory(store=world.store_a)
    return_obj = ReturnFactory(store=world.store_a, connection=loop, platform_action=State.FAILED)
    url = f"/api/v1/returns/{return_obj.pk}/platform-action/retry/"

    assert world.merchant_b.post(url).status_code == 404  # another store's return
    response = world.merchant_a.post(url)
    assert response.status_code == 200, response.content
    assert response.json()["platform_action"] == "process_queued"
    again = world.merchant_a.post(url)
    assert again.status_code == 200
    assert TimelineEvent.objects.filter(return_obj=return_obj, kind="platform_action_retry").count() == 1

    done = ReturnFactory(store=world.store_a, connection=loop, platform_action=State.PROCESSED)
    error = assert_error(world.staff.post(f"/api/v1/returns/{done.pk}/platform-action/retry/"), 400)
    assert "only a failed one" in error["message"]
