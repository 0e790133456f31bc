"""Turning a posted HTML form into the API's pydantic models, and their errors into lines a
person reads ("amount: …"), so a form says exactly what the API would say about the same value.

Empty fields are left out (the model's default applies); euros typed by a person ("1.234,56" or
"1234.56") become cents in the ``*_cents`` field the model declares.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError


class FormError(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def euros_to_cents(text: str, field: str) -> int:
    cleaned = text.strip().replace("€", "").replace(" ", "")
    if "," in cleaned:  # Dutch: 1.234,56
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FormError(field, f"{text!r} is not an amount in euros") from None
    return int((value * 100).to_integral_value())


def values(form: dict[str, str]) -> dict[str, Any]:
    """The non-empty fields; ``<name>_euros`` becomes ``<name>_cents``."""
    out: dict[str, Any] = {}
    for key, raw in form.items():
        text = raw.strip()
        if not text:
            continue
        if key.endswith("_euros"):
            name = key.removesuffix("_euros") + "_cents"
            out[name] = euros_to_cents(text, key)
        else:
            out[key] = text
    return out


def messages(err: ValidationError, *, tagged: bool = False) -> list[str]:
    """One line per refused field, named as the API names it; ``tagged``: the model is a
    discriminated union, whose tag (the first part of each location) is left out."""
    lines = []
    for e in err.errors():
        loc = [str(p) for p in e.get("loc", ())]
        name = ".".join(loc[1:] if tagged and len(loc) > 1 else loc)
        lines.append(f"{name or 'form'}: {e.get('msg', '')}")
    return lines
