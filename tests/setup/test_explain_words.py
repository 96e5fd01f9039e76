"""How a failed check is told when the provider gave no status: "No answer" only when none came."""

import pytest

from integrations.exceptions import ProviderConfigurationError, ProviderSettingWrong, ProviderTimeout
from integrations.wizard.explain import provider_failure_explain
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_only_a_call_that_got_no_answer_is_called_one() -> None:
    connection = ConnectionFactory(provider="shipbob", external_account_id="99999")

    timeout = provider_failure_explain(exc=ProviderTimeout("no answer in 10 s"), connection=connection)
    assert "No answer from ShipBob: no answer in 10 s." in timeout.message

    unsent = ProviderConfigurationError("the connection has no channel ID to create returns on")
    refused = provider_failure_explain(exc=unsent, connection=connection)
    assert "No answer" not in refused.message
    assert "ShipBob: the connection has no channel ID to create returns on." in refused.message

    wrong = ProviderSettingWrong("Channel 99999 is not one of this token's channels.", field="external_account_id")
    told = provider_failure_explain(exc=wrong, connection=connection)
    assert told.message == (
        "Backhaul checked your settings with ShipBob. ShipBob answered: Channel 99999 is not one of this token's "
        "channels. Change the ShipBob channel ID."
    )
    assert told.field_errors == {"external_account_id": "Channel 99999 is not one of this token's channels."}
