"""The session engine: Django's database sessions, refusing a cookie that cannot be a session key.

A session key is what Django generates (40 characters of a-z0-9). A cookie with anything else
(NUL, which psycopg refuses to send to PostgreSQL with a DataError; a 5,000-character value) is no
session at all: the visitor is anonymous, as with an expired one, instead of getting a 500.
"""

import re

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

# django.contrib.sessions.backends.base.VALID_KEY_CHARS, 8 (Django's minimum) to 40 (the column).
_SESSION_KEY = re.compile(r"[a-z0-9]{8,40}")


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(key) and _SESSION_KEY.fullmatch(key or "") is not None
