"""The demo story runs to the end over real HTTP, with a real worker, and leaves its rows behind."""

from typing import Any

import pytest

from integrations.sandbox.demo import demo_play
from integrations.sandbox.models import SandboxPlatformCall
from returns.models import RMA, Return, TimelineEvent


@pytest.mark.worker
def test_demo_story_completes(live_server: Any, celery_worker: Any, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = live_server.url
    report = demo_play(base_url=live_server.url, timeout=60)
    assert report.lines[-1].startswith("Done.")
    assert any(
        line.startswith("Loop flagged return 880003 (#1077, short) with a note: Backhaul:") for line in report.lines
    )
    assert "Loop processed return 880001 (#1001, received in full)." in report.lines
    rmas = dict(RMA.objects.values_list("number", "location__wms_warehouse_code"))
    # #1001 shipped from NJ1 (not the CA1 default); #1042 was split across both warehouses.
    assert rmas == {"1001": "NJ1", "1042": "CA1", "1042_01": "NJ1", "1077": "CA1"}
    assert set(RMA.objects.filter(number__in=["1001", "1077"]).values_list("status", flat=True)) == {"received"}
    assert Return.objects.count() == 3
    short = RMA.objects.get(number="1077")
    assert short.lines.get().received_quantity == 1
    assert TimelineEvent.objects.filter(return_obj=short.return_obj, rma=short, kind__startswith="rma_").exists()
    # Manual mode: Loop was told to process the full receipt and to flag (with a note) the short one.
    calls = sorted(SandboxPlatformCall.objects.exclude(return_id="").values_list("return_id", "action"))
    assert calls == [("880001", "process"), ("880003", "flag"), ("880003", "note")]
    # Before each, ShipMonk's grades (its final disposition per unit): graded, then assessed, once per return.
    grading = sorted(SandboxPlatformCall.objects.filter(return_id="").values_list("action", flat=True))
    assert grading == ["assess", "assess", "grade", "grade"]
