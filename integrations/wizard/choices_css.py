"""/setup/choices.css: which credential fields show for the choice a merchant ticks, built from the declarations.

The wizard's forms show every provider's fields in one form, a fieldset each (`data-provider`); these rules
hide all but the chosen one's, in CSS alone (`:has`), so the form works the same with scripts off. They are
generated from the registry, so a new provider's fields show and hide with no stylesheet edit.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from integrations.declarations import Role
from integrations.registry import declarations
from integrations.wizard.credentials import warehouse_kinds

HIDDEN = "{ display: none; }"


def _value(text: str) -> str:
    """A string as a quoted CSS attribute value (slugs are plain, but never trust a name into a selector)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def choices_css() -> str:
    rules = [
        f"form:has(input[name=provider][value={_value(d.slug)}]:checked) .group:not([data-provider={_value(d.slug)}])"
        for d in declarations(role=Role.RETURNS_PLATFORM)
    ]
    for kind, (provider, _wms, _label) in warehouse_kinds().items():
        rules.append(
            f"form:has(input[name=kind][value={_value(kind)}]:checked) .group:not([data-provider={_value(provider)}])"
        )
    # "Another WMS through <front>" is the only choice where the merchant types the WMS name.
    fronts = "".join(f":not([value={_value(d.slug)}])" for d in declarations(role=Role.WAREHOUSE) if d.fronts_other_wms)
    rules.append(f"form:has(input[name=kind]{fronts}:checked) .only-any-wms")
    return "".join(f"{rule} {HIDDEN}\n" for rule in rules)


@require_GET
@cache_control(public=True, max_age=3600)
def choices_stylesheet(request: HttpRequest) -> HttpResponse:
    return HttpResponse(choices_css(), content_type="text/css; charset=utf-8")
