"""`manage.py demo`: a demo store on sandbox providers and a short story, while `make run` is up."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.sandbox.demo import DemoError, demo_play


class Command(BaseCommand):
    help = "Create a demo store wired to the sandbox providers and play a short returns story."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--base-url", default=settings.PUBLIC_BASE_URL, help="Where the web server listens.")
        parser.add_argument("--timeout", type=float, default=60.0, help="Seconds to wait for each step.")

    def handle(self, *args: Any, base_url: str, timeout: float, **options: Any) -> None:
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The sandbox is off (SANDBOX_ENABLED): the demo needs the simulated providers.")
        try:
            demo_play(base_url=base_url, timeout=timeout, echo=self.stdout.write)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
