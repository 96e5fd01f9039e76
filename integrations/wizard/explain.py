"""A failed provider call told to the merchant: what Backhaul tried, what the provider answered (its
status and its own words) and which field to change, with no advice about fields the form lacks."""

import re
from dataclasses import dataclass, field
from http import HTTPStatus

from integrations.exceptions import (
    ProviderAuthError,
    ProviderConfigurationError,
    ProviderDestinationRefused,
    ProviderError,
    ProviderRateLimited,
    ProviderRejected,
    ProviderSettingWrong,
    ProviderTransientError,
)
from integrations.models import ApiCall, Connection
from integrations.registry import get_declaration
from integrations.wizard.credentials import AUTH, REFUSED, UNREACHABLE, check_action, credential_fields

# The HTTP base words a failed answer as "<provider> answered <status>: <the provider's own words>".
_ANSWERED = re.compile(r"^\S+ answered \d{3}: (?P<words>.*)$", re.DOTALL)


@dataclass(frozen=True)
class Explanation:
    """`message` is the whole story; `field_errors` maps a Connection field to what to change there."""

    message: str
    field_errors: dict[str, str] = field(default_factory=dict)


def provider_name(connection: Connection, *, sandbox: bool = False) -> str:
    """ "ShipMonk", "ShipMonk through TrackStar", "the sandbox Loop"."""
    name = connection.display_name
    declaration = get_declaration(connection.provider)
    if declaration.fronts_other_wms:
        name = f"{name} through {declaration.display_name}" if connection.wms_name else declaration.display_name
    return f"the sandbox {name}" if sandbox else name


def provider_words(exc: ProviderError) -> str:
    """The provider's own message, without the HTTP base's "<provider> answered <status>:" prefix."""
    match = _ANSWERED.match(exc.message)
    return (match.group("words") if match else exc.message).strip()


def _tried(connection: Connection, exc: ProviderError, action: str) -> str:
    call = ApiCall.objects.filter(pk=exc.api_call_id).only("method", "url").first() if exc.api_call_id else None
    request = f" ({call.method} {call.url})" if call else ""
    return f"Backhaul {action or check_action(connection.provider)}{request}."


def _answer(name: str, exc: ProviderError) -> str:
    if isinstance(exc, ProviderDestinationRefused) and exc.status_code is not None:
        # A redirect: the HTTP base's words are for support ("the connection's URL"); the merchant gets these.
        return (
            f"{name[0].upper()}{name[1:]} answered {exc.status_code}{_phrase(exc.status_code)}, sending Backhaul on "
            f"to {exc.redirect_host or 'another address'}. Backhaul does not follow redirects, so your credentials "
            "are only ever sent to the address you entered."
        )
    if isinstance(exc, ProviderSettingWrong):  # it answered; what it said shows a setting is wrong
        return f"{name[0].upper()}{name[1:]} answered: {exc.message}"
    if exc.status_code is None and isinstance(exc, ProviderTransientError):
        return f"No answer from {name}: {exc.message}."
    if exc.status_code is None:  # refused before sending, or an answer Backhaul could not use
        return f"{name[0].upper()}{name[1:]}: {exc.message}."
    phrase = _phrase(exc.status_code)
    words = provider_words(exc)[:300].rstrip(". ")
    said = f": “{words}”" if words and words.lower() != phrase.strip().lower() else ""
    return f"{name[0].upper()}{name[1:]} answered {exc.status_code}{phrase}{said}."


def _phrase(status: int) -> str:
    """ " Moved Permanently" for 301; nothing for a status HTTP does not name."""
    try:
        return f" {HTTPStatus(status).phrase}"
    except ValueError:
        return ""


def _labels(specs: list[str]) -> str:
    return specs[0] if len(specs) == 1 else ", ".join(specs[:-1]) + " and " + specs[-1]


def provider_failure_explain(
    *, exc: ProviderError, connection: Connection, sandbox: bool = False, action: str = ""
) -> Explanation:
    """What was tried, what came back, and what the merchant can change (field by field)."""
    name = provider_name(connection, sandbox=sandbox)
    if isinstance(exc, ProviderSettingWrong) and not action:
        action = f"checked your settings with {name}"  # not the warehouse list: a later call of the check
    specs = credential_fields(connection.provider)
    blamed: list[tuple[str, str]]
    match exc:
        case ProviderAuthError():
            blamed = [(s.name, s.label) for s in specs if AUTH in s.blamed_for]
            # The credentials come from the provider itself (TrackStar's token, not the WMS behind it).
            source = connection.get_provider_display()
            them = "it" if len(blamed) == 1 else "them"
            fix = (
                f"Check the {_labels([label for _, label in blamed])}: copy {them} again from {source}, in full."
                if blamed
                else f"Check your account at {source}."
            )
            if sandbox and blamed:
                fix = (
                    f"Check the {_labels([label for _, label in blamed])}: leave {them} blank to use the sandbox's "
                    "own (shown on this page), or copy it from there."
                )
            field_message = f"Refused by {name} ({exc.status_code or 'no status'}). Enter it again, copied in full."
        case ProviderRateLimited():
            blamed, field_message = [], ""
            fix = "Nothing to change: wait a minute, then try again."
        case ProviderSettingWrong():
            blamed = [(s.name, s.label) for s in specs if s.name == exc.field]
            fix = f"Change the {_labels([label for _, label in blamed])}." if blamed else "Contact Backhaul support."
            field_message = exc.message
        case ProviderRejected():
            blamed = [(s.name, s.label) for s in specs if REFUSED in s.blamed_for]
            fix = (
                f"Check the {_labels([label for _, label in blamed])}."
                if blamed
                else f"Check your account settings at {connection.display_name}."
            )
            field_message = f"{name[0].upper()}{name[1:]} refused the request with this value ({exc.status_code})."
        case ProviderDestinationRefused():
            # The address itself must change: the merchant's URL field where there is one, else support's.
            blamed = [(s.name, s.label) for s in specs if s.url and not sandbox]
            fix = (
                f"Change the {_labels([label for _, label in blamed])} to the address that answers directly."
                if blamed
                else f"The address Backhaul uses for {connection.display_name} must change: contact Backhaul support."
            )
            field_message = (
                ""
                if not blamed
                else "This address redirects elsewhere; Backhaul does not send your credentials on to another address."
                if exc.status_code is not None
                else "Backhaul does not send your credentials to this address."
            )
        case ProviderConfigurationError():
            blamed, field_message = [], ""
            fix = f"{connection.display_name} cannot do this for your account; contact Backhaul support."
        case _:  # no answer in time, connection refused, 5xx
            blamed = [(s.name, s.label) for s in specs if UNREACHABLE in s.blamed_for and not sandbox]
            if blamed:
                fix = f"Check the {_labels([label for _, label in blamed])}."
                field_message = f"{name[0].upper()}{name[1:]} could not be reached at this address."
            elif sandbox:
                fix = (
                    "The sandbox runs on this server: check that PUBLIC_BASE_URL is this server's own address, "
                    "then try again."
                )
                field_message = ""
            else:
                fix = (
                    f"Nothing to change on your side: {connection.display_name} may be busy or down. "
                    "Try again in a few minutes."
                )
                field_message = ""
    message = " ".join([_tried(connection, exc, action), _answer(name, exc), fix])
    return Explanation(message=message, field_errors={field_name: field_message for field_name, _ in blamed})
