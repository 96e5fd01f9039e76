"""The one error a wizard action raises: what cannot be done now, in words for the merchant."""

from collections.abc import Mapping

from config.exceptions import ApplicationError


class WizardError(ApplicationError):
    """A wizard action that cannot be done now; the message is shown to the merchant.

    `field_errors` maps a Connection field to what to change there, when one value is to blame.
    """

    def __init__(self, message: str, *, field_errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.field_errors = dict(field_errors or {})
