import uuid

import pytest
from django.core.cache import cache

from config.tasks import heartbeat_with_retry
from tests.conftest import wait_for


@pytest.mark.worker
def test_real_worker_runs_a_task_that_retries_with_countdown(celery_worker: object) -> None:
    key = f"hb-{uuid.uuid4()}"
    heartbeat_with_retry.delay(key, 2)
    attempts = wait_for(lambda: cache.get(f"{key}:done"), timeout=30)
    assert attempts == 3
