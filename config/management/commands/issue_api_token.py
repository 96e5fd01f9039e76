"""`manage.py issue_api_token <username> --name ... [--expires-days N]`: a new named, expiring REST API token.

The key is printed once, to the operator's terminal, and stored only as a hash (django-rest-knox): it
cannot be shown again. Revoke tokens in the admin (System → API tokens).
"""

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.models import ApiToken

MAX_EXPIRES_DAYS = 3650


class Command(BaseCommand):
    help = "Issue a named REST API token for a user and print its key once (it expires after --expires-days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help='What the token is for, such as "warehouse sync".')
        parser.add_argument(
            "--expires-days", type=int, default=90, help=f"Days until it expires (1 to {MAX_EXPIRES_DAYS}; 90)."
        )

    def handle(self, *args: Any, username: str, name: str, expires_days: int, **options: Any) -> None:
        name = name.strip()
        if not name or len(name) > ApiToken._meta.get_field("name").max_length:
            raise CommandError("Give the token a name of 1 to 100 characters (--name).")
        if not 1 <= expires_days <= MAX_EXPIRES_DAYS:
            raise CommandError(f"--expires-days must be between 1 and {MAX_EXPIRES_DAYS}.")
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive.")
        token, key = ApiToken.objects.create(user=user, expiry=dt.timedelta(days=expires_days), name=name)
        # The key is printed once, to the operator's terminal, and nowhere else (never logged).
        self.stdout.write(key)
        self.stderr.write(f"Token {name!r} ({token.token_key}…) for {username}, expires {token.expiry:%Y-%m-%d}.")
