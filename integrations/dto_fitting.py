"""Fitting DTO values to the columns they land in, as each DTO is built (integrations/inbound.py).

Each DTO field says how (`field(metadata=fit(Fit.ID, 200))`); the rules are integrations/fitting.py's.
"""

import dataclasses
import enum
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from integrations.fitting import NUL, TooDeep, cut_text, fitted_key, is_storable, storable_json
from integrations.inbound_errors import WebhookParseError


class Fit(enum.Enum):
    """How a DTO field's value is made to fit its column (integrations/fitting.py)."""

    TEXT = "text"  # cut; NUL and lone surrogates shown as U+FFFD
    KEY = "key"  # a key we build: hashed to fit
    ID = "id"  # the provider's identifier: refused (WebhookParseError) when it does not fit
    JSON = "json"  # NUL and lone surrogates shown as U+FFFD; refused when nested too deeply
    COUNT = "count"  # a quantity: refused outside 0..MAX_COUNT
    MONEY = "money"  # an amount: dropped (None) when it does not fit a 12-digit, 2-place column
    NESTED = "nested"  # DTOs (fitted when they were built): only what they cut is carried up


MAX_COUNT = 2**31 - 1  # PostgreSQL integer


def fit(kind: Fit, limit: int = 0) -> dict[str, Any]:
    """The metadata of a DTO field made to fit its column (limit: its max_length) as the DTO is built:
    `sku: str = field(metadata=fit(Fit.ID, 200))`.

    A tuple field applies the rule to each item. The limits mirror the model columns; a test
    compares them, so the two cannot drift apart."""
    return {"fit": (kind, limit)}


# A fitter returns the value itself when it already fits (the common case, and no copy), else the
# fitted value; it notes what it cut in `cut` and raises WebhookParseError for what it refuses.
# Its arguments: the value, the field's name, the item's index in a tuple field (else None), `cut`.
Fitter = Callable[[Any, str, int | None, dict[str, int]], Any]


def _path(name: str, index: int | None) -> str:
    return name if index is None else f"{name}[{index}]"


class FitsColumns:
    """Base of the DTOs: every value is made to fit its column as the DTO is built, so no service
    writing it meets a DataError (NUL, a value longer than its column, an integer out of range) or
    a UnicodeEncodeError (a lone surrogate from JSON's "\\ud800").

    What was cut is kept as {dotted path: true length}, nested DTOs' cuts included: cut_lengths()."""

    def __post_init__(self) -> None:
        cut: dict[str, int] = {}
        for name, fitter in _fit_plan(type(self)):
            value = getattr(self, name)
            if value.__class__ is tuple:
                fitted_items = tuple([fitter(item, name, i, cut) for i, item in enumerate(value)])
                changed = any(a is not b for a, b in zip(fitted_items, value, strict=True))
                fitted: Any = fitted_items if changed else value
            else:
                fitted = fitter(value, name, None, cut)
            if fitted is not value:
                object.__setattr__(self, name, fitted)
        if cut:
            object.__setattr__(self, "_cut_lengths", cut)


def cut_lengths(value: Any) -> dict[str, int]:
    """What was cut to fit in a DTO and the DTOs inside it: dotted path → true length."""
    return dict(getattr(value, "_cut_lengths", {}))


_FIT_PLANS: dict[type, tuple[tuple[str, Fitter], ...]] = {}


def _fit_plan(cls: type) -> tuple[tuple[str, Fitter], ...]:
    plan = _FIT_PLANS.get(cls)
    if plan is None:
        fields = [f for f in dataclasses.fields(cls) if "fit" in f.metadata]
        plan = _FIT_PLANS[cls] = tuple((f.name, _fitter(*f.metadata["fit"])) for f in fields)
    return plan


def _fitter(kind: Fit, limit: int) -> Fitter:
    def text(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        if value.__class__ is not str or (len(value) <= limit and is_storable(value)):
            return value
        if len(value) > limit:
            cut[_path(name, index)] = len(value)
        return cut_text(value, limit)

    def key(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        return fitted_key(value, limit) if value.__class__ is str else value

    def identifier(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        if value.__class__ is str and (len(value) > limit or not is_storable(value)):
            if NUL in value:
                raise WebhookParseError(f"{_path(name, index)} contains a NUL character")
            if not is_storable(value):
                raise WebhookParseError(f"{_path(name, index)} contains a lone UTF-16 surrogate")
            raise WebhookParseError(f"{_path(name, index)} is {len(value)} characters long (at most {limit})")
        return value

    def json_value(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        if not value or (value.__class__ is str and is_storable(value)):
            return value
        try:
            return storable_json(value)
        except TooDeep as exc:
            raise WebhookParseError(f"{_path(name, index)} is {exc}") from exc

    def count(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        if isinstance(value, int) and not 0 <= value <= MAX_COUNT:
            raise WebhookParseError(f"{_path(name, index)} {value} is out of range (0 to {MAX_COUNT})")
        return value

    def money(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        # adjusted() is the power of ten of the first digit: below 10, at most 10 whole digits.
        if isinstance(value, Decimal) and not (value.is_finite() and value.adjusted() < 10):
            return None
        return value

    def nested(value: Any, name: str, index: int | None, cut: dict[str, int]) -> Any:
        for path, length in getattr(value, "_cut_lengths", {}).items():
            cut[f"{_path(name, index)}.{path}"] = length
        return value

    fitters: dict[Fit, Fitter] = {
        Fit.TEXT: text,
        Fit.KEY: key,
        Fit.ID: identifier,
        Fit.JSON: json_value,
        Fit.COUNT: count,
        Fit.MONEY: money,
        Fit.NESTED: nested,
    }
    return fitters[kind]
