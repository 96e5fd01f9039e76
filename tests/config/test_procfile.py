"""The Procfile runs production settings and its worker consumes every queue tasks are routed to."""

import shlex

from django.conf import settings

from config.env import BASE_DIR


def _processes() -> dict[str, str]:
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_procfile_declares_release_web_worker_and_beat() -> None:
    assert set(_processes()) == {"release", "web", "worker", "beat"}


def test_every_procfile_command_runs_production_settings() -> None:
    for name, command in _processes().items():
        for part in command.split("&&"):
            assert "DJANGO_SETTINGS_MODULE=config.django.production" in shlex.split(part), name


def test_the_worker_consumes_every_routed_queue() -> None:
    argv = shlex.split(_processes()["worker"])
    queues = set(argv[argv.index("-Q") + 1].split(","))

    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= queues
    assert queues == {queue.name for queue in settings.CELERY_TASK_QUEUES}
