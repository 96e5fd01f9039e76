"""The demo story ends with Loop told: #1077 (short) flagged with a note, #1001 (full) processed, once each."""

from typing import Any

import pytest

from integrations.sandbox.demo import demo_play
from integrations.sandbox.models import SandboxPlatformCall


@pytest.mark.worker
def test_demo_ends_with_loop_flagged_and_processed(live_server: Any, celery_worker: Any, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    report = demo_play(base_url=live_server.url, timeout=60)
    assert any(
        line.startswith("Loop flagged return 880003 (#1077, short) with a note: Backhaul:") for line in report.lines
    )
    assert "Loop processed return 880001 (#1001, received in full)." in report.lines
    calls = sorted(
        SandboxPlatformCall.objects.filter(return_id__in=["880001", "880003"]).values_list("return_id", "action")
    )
    assert calls == [("880001", "process"), ("880003", "flag"), ("880003", "note")]
