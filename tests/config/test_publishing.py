"""Services publish tasks by name (config/publishing.py): found in a process that imported no task module, with the
task's own options, and a broker that refuses is logged by class only, never raised."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from config.publishing import task_publish

ROOT = Path(__file__).resolve().parents[2]


def test_a_web_process_finds_a_task_no_module_of_it_imported() -> None:
    """A web process imports no tasks module; the name must still resolve (autodiscovery on first use)."""
    code = (
        "import django, sys; django.setup();"
        "from config.publishing import _task;"
        "assert 'returns.tasks' not in sys.modules;"
        "print(_task('returns.tasks.rma_push').name, _task('integrations.tasks.notification_digest_send').queue)"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter running a fixed snippet
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.django.test", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split() == ["returns.tasks.rma_push", "sync"]


def test_a_broker_error_is_logged_by_class_and_not_raised(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    from integrations import tasks

    def refuse(*args: Any) -> None:
        raise ConnectionError("redis://:hunter2@broker:6379 refused")

    monkeypatch.setattr(tasks.webhook_process, "delay", refuse)
    assert task_publish("integrations.tasks.webhook_process", 7) is False
    assert "not published (ConnectionError)" in caplog.text
    assert "hunter2" not in caplog.text
