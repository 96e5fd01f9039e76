"""`manage.py issue_api_token <username> --name ... --expires-days N` issues a named, expiring token whose key is
printed once and stored only as a hash (django-rest-knox); an expired or revoked token answers 401."""

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from config.models import ApiToken
from tests.api.conftest import World


def issue(*args: str) -> str:
    out = StringIO()
    call_command("issue_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_issued_token_reads_only_the_users_stores(world: World) -> None:
    key = issue("merchant-a", "--name", "sync script")
    response = client_with(key).get("/api/v1/stores/")
    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == ["store-a"]


def test_the_key_is_stored_only_as_a_hash_with_its_name_prefix_and_expiry(world: World) -> None:
    key = issue("merchant-b", "--name", "nightly export", "--expires-days", "30")
    token = ApiToken.objects.get(name="nightly export")
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values())
    assert key not in stored
    assert token.token_key == key[:15]
    assert token.user.username == "merchant-b"
    assert abs((token.expiry - timezone.now()) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)


def test_each_issue_is_a_new_token_and_both_work_until_revoked(world: World) -> None:
    first = issue("merchant-b", "--name", "laptop")
    second = issue("merchant-b", "--name", "server")
    assert first != second
    assert client_with(first).get("/api/v1/stores/").status_code == 200
    ApiToken.objects.filter(name="laptop").delete()  # what the admin's "Revoke" does
    assert client_with(first).get("/api/v1/stores/").status_code == 401
    assert client_with(second).get("/api/v1/stores/").status_code == 200


def test_an_expired_token_is_refused(world: World) -> None:
    key = issue("merchant-a", "--name", "short", "--expires-days", "1")
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        response = client_with(key).get("/api/v1/stores/")
    assert response.status_code == 401
    assert not ApiToken.objects.filter(name="short").exists()


def test_an_old_drf_token_key_no_longer_authenticates(world: World) -> None:
    # A 40-character hex key as DRF's authtoken issued them: knox knows no such token.
    assert client_with("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b").get("/api/v1/stores/").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody", "--name", "x"), "No user named"),
        (("merchant-a", "--name", "  "), "name of 1 to 100"),
        (("merchant-a", "--name", "x", "--expires-days", "0"), "between 1 and"),
        (("merchant-a", "--name", "x", "--expires-days", "4000"), "between 1 and"),
    ],
)
def test_bad_arguments_are_errors(world: World, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        issue(*args)


def test_a_name_is_required(world: World) -> None:
    with pytest.raises(CommandError, match="--name"):
        issue("merchant-a")


def test_the_command_prints_nothing_but_the_key(world: World, capsys: Any) -> None:
    key = issue("merchant-a", "--name", "one line")
    assert len(key.splitlines()) == 1
    assert len(key) == 64
