"""Each task reaches exactly one queue, with every queue declared as a worker declares them."""

import pytest

from config.celery import app as celery_app
from tests.conftest import purge_broker


def _queued_counts() -> dict[str, int]:
    counts = {}
    with celery_app.connection_for_write() as conn:
        for queue in celery_app.conf.task_queues:
            counts[queue.name] = queue.bind(conn.default_channel).queue_declare(passive=False).message_count
    return counts


@pytest.mark.parametrize("queue", ["webhooks", "rmas", "sync"])
def test_a_message_sent_to_one_queue_lands_only_there(queue: str) -> None:
    purge_broker()
    # Declare every queue and its binding, as a worker consuming all three does at start-up.
    with celery_app.connection_for_write() as conn:
        for declared in celery_app.amqp.queues.values():
            declared.bind(conn.default_channel).declare()
    celery_app.send_task("config.tasks.heartbeat_with_retry", args=["routing-check", 0], queue=queue)
    try:
        counts = _queued_counts()
        assert counts == {name: int(name == queue) for name in ("webhooks", "rmas", "sync")}
    finally:
        purge_broker()


def test_routes_send_each_app_to_its_queue() -> None:
    router = celery_app.amqp.router
    assert router.route({}, "returns.tasks.rma_push")["queue"].name == "rmas"
    assert router.route({}, "integrations.tasks.webhook_process")["queue"].name == "webhooks"
    assert router.route({}, "config.tasks.heartbeat_with_retry")["queue"].name == "sync"
