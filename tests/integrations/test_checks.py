import pytest
from django.core import checks

from integrations.checks import check_encryption_keys


@pytest.mark.parametrize(("debug", "level"), [(True, checks.WARNING), (False, checks.ERROR)])
def test_missing_encryption_keys_block_everywhere_but_development(settings, debug: bool, level: int) -> None:
    settings.DEBUG = debug
    settings.FIELD_ENCRYPTION_KEYS = []
    (message,) = check_encryption_keys(None)
    assert (message.id, message.level) == ("integrations.E001", level)


def test_a_value_that_is_not_a_fernet_key_is_an_error(settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    assert [m.id for m in check_encryption_keys(None)] == ["integrations.E002"]
