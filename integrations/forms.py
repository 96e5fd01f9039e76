"""Admin forms. Connection secrets are write-only: never rendered, blank keeps what is stored."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.fields import EncryptedTextField
from integrations.models import Connection
from integrations.registry import provider_choices
from integrations.services.connection_settings import connection_settings_validate

SECRET_FIELDS: tuple[str, ...] = tuple(
    field.name for field in Connection._meta.concrete_fields if isinstance(field, EncryptedTextField)
)


def _secret_widget() -> forms.PasswordInput:
    # autocomplete=new-password keeps browsers from filling in a saved admin password.
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password", "size": 60})


class ConnectionAdminForm(forms.ModelForm):
    """Each encrypted field is a password input; the help text says only whether a value is set."""

    # The registry's providers (the column itself has no database choices: a new provider needs no migration).
    provider = forms.ChoiceField(choices=provider_choices)

    class Meta:
        model = Connection
        fields = (
            "store",
            "role",
            "provider",
            "wms_name",
            "name",
            "status",
            "base_url",
            "options",
            "external_account_id",
            "api_username",
            "webhook_username",
            "previous_webhook_secret_expires_at",
            *SECRET_FIELDS,
        )
        widgets = {name: _secret_widget() for name in SECRET_FIELDS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.changed_secrets: list[str] = []
        for name in SECRET_FIELDS:
            field = self.fields.get(name)
            if field is None:
                continue
            # model_to_dict() put the decrypted value into initial; nothing downstream may see it.
            self.initial[name] = ""
            field.required = False
            field.widget = _secret_widget()
            state = "set" if self._stored(name) else "not set"
            field.help_text = f"Currently {state}. Leave blank to keep it; type a new value to replace it."

    def _stored(self, name: str) -> str:
        if self.instance.pk is None:
            return ""
        return getattr(self.instance, name) or ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what BaseModelForm.clean returns; its stub allows None for overrides
        # The same URL and options check as the API and the wizard (SSRF guard, the provider's option schema).
        given = {name: cleaned[name] for name in ("base_url", "options") if cleaned.get(name) is not None}
        # On a saved connection the provider is read-only (not in the form): check against the stored one.
        provider = cleaned.get("provider") or self.instance.provider
        if provider and given:
            try:
                cleaned.update(connection_settings_validate(provider=provider, **given))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        for name in SECRET_FIELDS:
            if name not in self.fields:
                continue
            new_value = cleaned.get(name) or ""
            stored = self._stored(name)
            if not new_value:
                # Blank means "keep": put the stored value back so construct_instance leaves it alone.
                cleaned[name] = stored
            elif new_value != stored:
                self.changed_secrets.append(name)
        return cleaned

    def save(self, commit: bool = True) -> Connection:
        if self.changed_secrets:
            # A non-secret trace of the change; history records this instead of the secrets.
            self.instance.credentials_updated_at = timezone.now()
        return super().save(commit=commit)
