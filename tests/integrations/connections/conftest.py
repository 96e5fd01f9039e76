"""The API's users and tokens (staff, merchants of store A and B) for the entry-point tests here."""

from tests.api.conftest import world  # noqa: F401 (a fixture, found by name)
