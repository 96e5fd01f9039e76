"""Create the development admin user once and print its login (used by `make run`)."""

import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create a development superuser admin/admin if none exists (DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("ensure_dev_admin is for development (DEBUG=True) only.")
        user_model = get_user_model()
        if not user_model.objects.filter(username="admin").exists():
            user_model.objects.create_superuser("admin", "admin@example.com", "admin")
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f"Admin login: http://127.0.0.1:{port}/admin/  user: admin  password: admin")
