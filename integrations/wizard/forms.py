"""Wizard forms. Secrets are write-only: never rendered back, and a blank field keeps what is stored."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from integrations.declarations import Role
from integrations.models import Connection, Store
from integrations.registry import declarations, get_declaration
from integrations.url_safety import UnsafeUrl, url_check_safe
from integrations.wizard.credentials import (
    WizardField,
    credential_fields,
    form_field_name,
    provider_choices,
    warehouse_kinds,
)
from integrations.wizard.selectors import returns_platform_connection, warehouse_connection
from integrations.wizard.services import (
    WarehouseOption,
    connection_sandbox_account,
    kind_types_wms,
    warehouse_kind_of,
    warehouse_target,
)
from warehouses.models import ShippingLocation
from warehouses.provisioning import location_destinations

# The mixin goes before a Form or ModelForm: type-check it as one, stay a plain mixin at runtime.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class AccessibleFormMixin(_FormBase):
    """Point each input at its help text and error message (aria-describedby) and flag invalid ones."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.fields:
            self.describe_field(name)

    def add_error(self, field: str | None, error: Any) -> None:
        """An error added after validation (a service's refusal) is described like one the form found."""
        super().add_error(field, error)
        for name in self.fields:
            self.describe_field(name)

    def describe_field(self, name: str) -> None:
        """aria-describedby to the field's help text and error, and aria-invalid while it has an error."""
        bound = self.fields[name]
        ids = []
        auto_id = self[name].auto_id
        if bound.help_text:
            ids.append(f"{auto_id}_helptext")
        if name in self.errors:
            ids.append(f"{auto_id}_error")
            bound.widget.attrs["aria-invalid"] = "true"
        if ids:
            bound.widget.attrs["aria-describedby"] = " ".join(ids)


def _credential_input(spec: WizardField) -> forms.CharField:
    if spec.secret:
        widget: forms.Widget = forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password", "spellcheck": "false"}
        )
    elif spec.url:
        widget = forms.URLInput(attrs={"inputmode": "url", "spellcheck": "false"})
    else:
        widget = forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"})
    return forms.CharField(label=spec.label, help_text=spec.help_text, required=False, max_length=500, widget=widget)


KEPT = "Saved. Leave blank to keep it, or enter a new one to replace it."
FROM_SANDBOX = (
    "With the sandbox, leave blank to use the sandbox's own (shown above), or type another one to see it refused."
)


@dataclass(frozen=True)
class ProviderGroup:
    """One provider's credential inputs, shown when that provider (or warehouse kind) is chosen."""

    provider: str
    title: str
    fields: list[forms.BoundField]
    # Stands in front of other WMSs (TrackStar): the WMS name field goes with it, filled in for these.
    fronts_other_wms: bool = False
    fixed_wms_names: str = ""


class ConnectionForm(AccessibleFormMixin, forms.Form):
    """The choice of provider, "use the sandbox", and each provider's credential fields (built from
    wizard/credentials.py). A blank field keeps what is stored for the provider chosen, or, with
    the sandbox, takes the sandbox account's own; secrets are never rendered back."""

    role: str = ""
    use_sandbox = forms.BooleanField(required=False)

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.providers = [slug for slug, _name in provider_choices(self.role)]
        self.existing = {(c.provider, c.wms_name): c for c in store.connections.filter(role=self.role)}
        self.sandboxed = {key for key, c in self.existing.items() if connection_sandbox_account(connection=c)}
        if not settings.SANDBOX_ENABLED:
            del self.fields["use_sandbox"]
        for provider in self.providers:
            for spec in credential_fields(provider):
                self.fields[form_field_name(provider, spec.name)] = _credential_input(spec)

    def _show_saved(self, key: tuple[str, str]) -> None:
        """Initial values and "Saved" hints from the stored connection `key` (provider, WMS name)."""
        connection = self.existing.get(key)
        if connection is None:
            return
        on_sandbox = key in self.sandboxed
        for spec in credential_fields(key[0]):
            name = form_field_name(key[0], spec.name)
            if spec.secret:
                if on_sandbox:
                    self.fields[name].help_text = FROM_SANDBOX
                elif getattr(connection, spec.name):
                    self.fields[name].help_text = KEPT
            elif not (spec.url and on_sandbox):
                self.fields[name].initial = getattr(connection, spec.name)

    def provider_groups(self) -> list[ProviderGroup]:
        return [
            ProviderGroup(
                provider=provider,
                title=get_declaration(provider).display_name,
                fronts_other_wms=get_declaration(provider).fronts_other_wms,
                fixed_wms_names=" or ".join(
                    get_declaration(wms).display_name
                    for front, wms, _label in warehouse_kinds().values()
                    if front == provider and wms
                ),
                fields=[self[form_field_name(provider, spec.name)] for spec in credential_fields(provider)],
            )
            for provider in self.providers
        ]

    def clean_credentials(self, data: dict[str, Any], provider: str, wms_name: str) -> None:
        """Every credential of `provider` is given, stored (outside the sandbox) or, with the sandbox, optional."""
        key = (provider, wms_name)
        stored = self.existing.get(key)
        use_sandbox = bool(data.get("use_sandbox"))
        for spec in credential_fields(provider):
            name = form_field_name(provider, spec.name)
            value = (data.get(name) or "").strip()
            if spec.url and use_sandbox:
                data[name] = ""
                continue
            if spec.url and value:
                try:
                    data[name] = url_check_safe(url=value).rstrip("/")
                except UnsafeUrl as exc:
                    self.add_error(name, str(exc))
                continue
            # What the sandbox filled in is no credential for the real provider.
            kept = stored is not None and key not in self.sandboxed and bool(getattr(stored, spec.name))
            if not value and not use_sandbox and not kept:
                self.add_error(name, f"Enter the {spec.label}.")

    def credentials(self, provider: str) -> dict[str, str]:
        """The chosen provider's typed credentials by Connection field ("" = keep, or the sandbox's)."""
        return {
            spec.name: self.cleaned_data.get(form_field_name(provider, spec.name)) or ""
            for spec in credential_fields(provider)
        }


class PlatformForm(ConnectionForm):
    role = Connection.Role.RETURNS_PLATFORM
    provider = forms.ChoiceField(label="Returns platform", widget=forms.RadioSelect)

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, store=store, **kwargs)
        cast(forms.ChoiceField, self.fields["provider"]).choices = provider_choices(self.role)
        self.order_fields(["provider", "use_sandbox"])
        if "use_sandbox" in self.fields:
            self.fields["use_sandbox"].label = "Try it with the sandbox Loop or Redo (no account needed)"
            self.fields["use_sandbox"].help_text = (
                "Backhaul creates a simulated account on this server and fills in its credentials. "
                "Switch to your real account here at any time."
            )
        for key in self.existing:
            self._show_saved(key)
        current = returns_platform_connection(store=store)
        if current is not None:
            self.fields["provider"].initial = current.provider
            if "use_sandbox" in self.fields:
                self.fields["use_sandbox"].initial = (current.provider, "") in self.sandboxed

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what BaseForm.clean returns; its stub allows None for overrides
        if provider := data.get("provider"):
            self.clean_credentials(data, provider, "")
        return data


class WarehouseForm(ConnectionForm):
    role = Connection.Role.WAREHOUSE
    kind = forms.ChoiceField(label="Warehouse system", widget=forms.RadioSelect)
    # For a WMS behind a front such as TrackStar: labelled from the front's declaration.
    wms_name = forms.SlugField(required=False, max_length=80)

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, store=store, **kwargs)
        kinds = warehouse_kinds()
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (kind, label) for kind, (_p, _w, label) in kinds.items()
        ]
        for kind, (provider, _wms, _label) in kinds.items():
            if kind_types_wms(kind):
                front = get_declaration(provider)
                declared = front.credential_field("wms_name")
                self.fields["wms_name"].label = f"{declared.label} in {front.display_name}"
                self.fields["wms_name"].help_text = declared.help_text
        self.order_fields(["kind", "use_sandbox"])
        if "use_sandbox" in self.fields:
            self.fields["use_sandbox"].label = "Try it with a sandbox warehouse system (no account needed)"
            self.fields["use_sandbox"].help_text = (
                "Backhaul creates a simulated account with two warehouses on this server and fills in its "
                "credentials. Switch to your real account here at any time."
            )
        current = warehouse_connection(store=store)
        # The current connection last, so its values win where two share a provider's fields.
        for key, _connection in sorted(
            self.existing.items(), key=lambda item: item[1].pk == getattr(current, "pk", None)
        ):
            self._show_saved(key)
        if current is not None:
            self.fields["kind"].initial = warehouse_kind_of(current)
            if self.fields["kind"].initial and kind_types_wms(self.fields["kind"].initial):
                self.fields["wms_name"].initial = current.wms_name
            if "use_sandbox" in self.fields:
                self.fields["use_sandbox"].initial = (current.provider, current.wms_name) in self.sandboxed

    def target(self) -> tuple[str, str]:
        """(provider, WMS name) of the connection the chosen kind saves to."""
        return warehouse_target(kind=self.cleaned_data["kind"], wms_name=self.cleaned_data.get("wms_name") or "")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what BaseForm.clean returns; its stub allows None for overrides
        kind = data.get("kind")
        if not kind:
            return data
        if kind_types_wms(kind) and not data.get("wms_name"):
            self.add_error("wms_name", "Enter the WMS name.")
            return data
        provider, wms_name = warehouse_target(kind=kind, wms_name=data.get("wms_name") or "")
        self.clean_credentials(data, provider, wms_name)
        return data


class LocationForm(AccessibleFormMixin, forms.ModelForm):
    warehouse = forms.ChoiceField(label="Warehouse in your WMS", help_text="From your warehouse system's live list.")
    make_default = forms.BooleanField(
        label="Default location", required=False, help_text="Returns that match no other location go here."
    )

    class Meta:
        model = ShippingLocation
        fields = (
            "name",
            "address1",
            "address2",
            "city",
            "region",
            "postal_code",
            "country_code",
        )
        labels = {
            "name": "Location name",
            "address1": "Address",
            "address2": "Address line 2",
            "region": "State or region",
            "country_code": "Country code",
        }
        help_texts = {
            "country_code": "Two letters, for example US.",
        }

    def __init__(self, *args: Any, store: Store, options: list[WarehouseOption], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store, self.options = store, {o.value: o for o in options}
        choices = [("", "Choose a warehouse…")] + [(o.value, o.label) for o in options]
        current = self.instance.trackstar_warehouse_id or self.instance.wms_warehouse_code
        if self.instance.pk and current and current not in self.options:
            choices.append((current, f"{current} (not in the live list any more)"))
        cast(forms.ChoiceField, self.fields["warehouse"]).choices = choices  # declared a ChoiceField above
        self.fields["warehouse"].initial = current
        self.fields["make_default"].initial = self.instance.is_default or not store.shipping_locations.exists()
        # Each returns platform's id for the location, as its declaration names it.
        saved = location_destinations(self.instance) if self.instance.pk else {}
        for declaration in declarations(role=Role.RETURNS_PLATFORM):
            identifier = declaration.location_identifier
            if identifier is not None:
                self.fields[f"destination_{declaration.slug}"] = forms.CharField(
                    label=identifier.label,
                    help_text=identifier.help_text,
                    required=False,
                    max_length=100,
                    initial=saved.get(declaration.slug, ""),
                )

    def destination_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("destination_")]

    def destinations(self) -> dict[str, str]:
        """slug → id typed (blank: none), from a valid form."""
        return {
            name.removeprefix("destination_"): self.cleaned_data.get(name) or ""
            for name in self.fields
            if name.startswith("destination_")
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = self.store.shipping_locations.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("You already have a location with this name.")
        return name

    def clean_warehouse(self) -> WarehouseOption:
        value = self.cleaned_data["warehouse"]
        option = self.options.get(value)
        if option is None:
            raise ValidationError("Choose a warehouse from the list.")
        return option

    def clean_country_code(self) -> str:
        return self.cleaned_data["country_code"].strip().upper()

    def validate_unique(self) -> None:
        # Uniqueness per store is checked in clean_name; the store is set by the service.
        pass


class RulesForm(AccessibleFormMixin, forms.Form):
    processing_mode = forms.ChoiceField(
        label="Processing mode",
        choices=Store.ProcessingMode.choices,
        widget=forms.RadioSelect,
        help_text=(
            "Manual is recommended: refunds and exchanges go out only after the warehouse has received "
            "and checked the goods."
        ),
    )
    rma_trigger = forms.ChoiceField(
        label="Create the warehouse RMA",
        choices=Store.RmaTrigger.choices,
        widget=forms.RadioSelect,
        help_text="Loop setups usually create it when the return is created; Redo setups once the label exists.",
    )
    default_instructions = forms.CharField(
        label="Default processing instructions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Added to every RMA's note for the warehouse, for example “Inspect before restocking”.",
    )


class SkuUploadForm(AccessibleFormMixin, forms.Form):
    # Optional for the store (SKUs without a mapping go as they are), so not marked "(required)";
    # pressing Upload without a file still gets an error below.
    file = forms.FileField(
        label="SKU mapping CSV",
        required=False,
        help_text="Optional. A header row platform_sku,wms_sku, then one SKU per row. Existing SKUs are updated.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            raise ValidationError("Choose a CSV file to upload.")
        return upload


class InviteSignupForm(AccessibleFormMixin, forms.Form):
    """Create an account from an invite: user name, email and a password checked by the validators."""

    username = forms.CharField(label="User name", max_length=150)
    email = forms.EmailField(label="Email")
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_username(self) -> str:
        from django.contrib.auth import get_user_model

        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError("This user name is taken. If it is yours, log in instead.")
        return username

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth import get_user_model, password_validation

        super().clean()
        data = self.cleaned_data  # what BaseForm.clean returns; its stub allows None for overrides
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            user = get_user_model()(username=data.get("username", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(p1, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data
