"""RMA and webhook actions through the API with the real services (no network: nothing here reaches a WMS)."""

from returns.models import RMA, TimelineEvent
from tests.api.conftest import World, assert_error, make_store_objects


def test_cancel_an_rma_the_warehouse_never_got(world: World) -> None:
    objs = make_store_objects(world.store_a)
    RMA.objects.filter(pk=objs.rma.pk).update(status=RMA.Status.PENDING, external_id="")
    response = world.merchant_a.post(f"/api/v1/rmas/{objs.rma.pk}/cancel/", {"reason": "Kept it"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert TimelineEvent.objects.filter(rma=objs.rma, kind="rma_cancelled").exists()


def test_retry_a_failed_rma_queues_it_again(world: World) -> None:
    objs = make_store_objects(world.store_a)
    RMA.objects.filter(pk=objs.rma.pk).update(status=RMA.Status.FAILED, attempts=8, external_id="")
    response = world.staff.post(f"/api/v1/rmas/{objs.rma.pk}/retry/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["attempts"] == 0


def test_retry_a_submitted_rma_is_refused_in_the_error_shape(world: World) -> None:
    objs = make_store_objects(world.store_a)
    error = assert_error(world.staff.post(f"/api/v1/rmas/{objs.rma.pk}/retry/"), 400, "application_error")
    assert "nothing to retry" in error["message"]


def test_replaying_an_unverified_webhook_is_refused(world: World) -> None:
    objs = make_store_objects(world.store_a)
    error = assert_error(world.staff.post(f"/api/v1/webhooks/{objs.webhook.pk}/replay/"), 400, "application_error")
    assert "never verified" in error["message"]
