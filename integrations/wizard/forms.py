"""Wizard forms. Secrets are write-only: never rendered back, and a blank field keeps what is stored."""

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError

from integrations.models import Connection, Provider, Store
from integrations.services.url_safety import UnsafeUrl, url_check_safe
from integrations.wizard.services import WarehouseOption
from warehouses.models import ShippingLocation

# The mixin goes before a Form or ModelForm: type-check it as one, stay a plain mixin at runtime.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class AccessibleFormMixin(_FormBase):
    """Point each input at its help text and error message (aria-describedby) and flag invalid ones."""

    def full_clean(self) -> None:
        super().full_clean()
        for name, bound in self.fields.items():
            ids = []
            auto_id = self[name].auto_id
            if bound.help_text:
                ids.append(f"{auto_id}_helptext")
            if name in self.errors:
                ids.append(f"{auto_id}_error")
                bound.widget.attrs["aria-invalid"] = "true"
            if ids:
                bound.widget.attrs["aria-describedby"] = " ".join(ids)


def _secret(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password", "spellcheck": "false"}),
    )


def _kept(is_set: bool) -> str:
    return "Saved. Leave blank to keep it, or enter a new one to replace it." if is_set else ""


class PlatformForm(AccessibleFormMixin, forms.Form):
    provider = forms.ChoiceField(
        label="Returns platform",
        choices=[(Provider.LOOP, "Loop"), (Provider.REDO, "Redo")],
        widget=forms.RadioSelect,
    )
    api_key = _secret("API key (Loop) or API secret (Redo)")
    webhook_secret = _secret("Loop webhook secret", "Loop only: the secret shown in Developer Tools → Webhooks.")
    redo_store_id = forms.CharField(
        label="Redo store ID", required=False, max_length=200, help_text="Redo only: Settings → Developer."
    )

    def __init__(self, *args: Any, connection: Connection | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connection = connection
        if connection is not None:
            self.fields["provider"].initial = connection.provider
            self.fields["redo_store_id"].initial = connection.external_account_id
            if connection.api_key:
                self.fields["api_key"].help_text = _kept(True)

    def _stored(self, provider: str, name: str) -> bool:
        c = self.connection
        return bool(c and c.provider == provider and getattr(c, name))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what BaseForm.clean returns; its stub allows None for overrides
        provider = data.get("provider")
        if not provider:
            return data
        if not data.get("api_key") and not self._stored(provider, "api_key"):
            label = "API key" if provider == Provider.LOOP else "API secret"
            self.add_error("api_key", f"Enter the {label} from {Provider(provider).label}.")
        if (
            provider == Provider.LOOP
            and not data.get("webhook_secret")
            and not self._stored(provider, "webhook_secret")
        ):
            self.add_error("webhook_secret", "Enter the webhook secret from Loop → Developer Tools → Webhooks.")
        if provider == Provider.REDO and not data.get("redo_store_id"):
            self.add_error("redo_store_id", "Enter your Redo store ID (Redo → Settings → Developer).")
        return data


WAREHOUSE_CHOICES = [
    ("shipmonk", "ShipMonk (direct, with an API key and store ID)"),
    ("shipmonk_trackstar", "ShipMonk through TrackStar"),
    ("shipstream", "ShipStream (direct, with API username, password and URL)"),
    ("shipstream_trackstar", "ShipStream through TrackStar"),
    ("trackstar", "Another WMS through TrackStar"),
]


class WarehouseForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label="Warehouse system", choices=WAREHOUSE_CHOICES, widget=forms.RadioSelect)
    api_key = _secret("ShipMonk API key")
    shipmonk_store_id = forms.CharField(label="ShipMonk store ID", required=False, max_length=200)
    access_token = _secret("TrackStar access token", "From the TrackStar connection of your warehouse.")
    wms_name = forms.SlugField(
        label="WMS name in TrackStar",
        required=False,
        max_length=80,
        help_text="TrackStar's integration name for your WMS, for example “extensiv” or “logiwa”.",
    )
    api_username = forms.CharField(label="ShipStream API username", required=False, max_length=200)
    api_password = _secret("ShipStream API password")
    base_url = forms.CharField(
        label="ShipStream API URL",
        required=False,
        max_length=200,
        help_text="Your instance, for example https://yourcompany.shipstream.app",
        widget=forms.URLInput(attrs={"inputmode": "url", "spellcheck": "false"}),
    )

    SECRET_FOR_KIND = {
        "shipmonk": "api_key",
        "shipstream": "api_password",
        "shipmonk_trackstar": "access_token",
        "shipstream_trackstar": "access_token",
        "trackstar": "access_token",
    }

    def __init__(self, *args: Any, connection: Connection | None = None, kind: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connection, self.current_kind = connection, kind
        if connection is not None:
            self.fields["kind"].initial = kind
            self.fields["shipmonk_store_id"].initial = connection.external_account_id
            self.fields["wms_name"].initial = connection.wms_name
            self.fields["api_username"].initial = connection.api_username
            self.fields["base_url"].initial = connection.base_url if connection.provider == Provider.SHIPSTREAM else ""
            secret = self.SECRET_FOR_KIND.get(kind)
            if secret and getattr(connection, secret):
                self.fields[secret].help_text = _kept(True)

    def _has(self, data: dict[str, Any], kind: str, name: str) -> bool:
        stored = self.connection is not None and self.current_kind == kind and getattr(self.connection, name)
        return bool(data.get(name) or stored)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what BaseForm.clean returns; its stub allows None for overrides
        kind = data.get("kind")
        if not kind:
            return data
        required: dict[str, str] = {
            "shipmonk": {"api_key": "Enter the ShipMonk API key.", "shipmonk_store_id": "Enter the ShipMonk store ID."},
            "shipstream": {
                "api_username": "Enter the ShipStream API username.",
                "api_password": "Enter the ShipStream API password.",
                "base_url": "Enter your ShipStream API URL.",
            },
            "trackstar": {"access_token": "Enter the TrackStar access token.", "wms_name": "Enter the WMS name."},
        }.get(kind, {"access_token": "Enter the TrackStar access token."})
        for name, message in required.items():
            if not self._has(data, kind, name):
                self.add_error(name, message)
        if kind == "shipstream" and data.get("base_url"):
            try:
                data["base_url"] = url_check_safe(url=data["base_url"]).rstrip("/")
            except UnsafeUrl as exc:
                self.add_error("base_url", str(exc))
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
            "loop_destination_id",
            "redo_location_id",
            "address1",
            "address2",
            "city",
            "region",
            "postal_code",
            "country_code",
        )
        labels = {
            "name": "Location name",
            "loop_destination_id": "Loop destination ID",
            "redo_location_id": "Redo location ID",
            "address1": "Address",
            "address2": "Address line 2",
            "region": "State or region",
            "country_code": "Country code",
        }
        help_texts = {
            "loop_destination_id": "Optional: Loop sends it with returns headed to this location.",
            "redo_location_id": "Optional: Redo's externalLocationId for this location.",
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
    file = forms.FileField(
        label="SKU mapping CSV",
        help_text="A header row platform_sku,wms_sku, then one SKU per row. Existing SKUs are updated.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


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
