"""Turning a posted HTML form into the API's pydantic models, so a form is checked exactly as
the API would check the same value (:mod:`serving.webapp.error_words` words the errors).

Empty fields are left out (the model's default applies); euros typed by a person ("1.234,56" or
"1234.56") become cents in the ``*_cents`` field the model declares.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from serving.webapp.messages import MESSAGES


class FormError(ValueError):
    """A form value the API's models never see (not euros, not a time, not JSON): ``code`` is
    its ``err_<code>`` message, worded with ``params``; the exception's text is the English."""

    def __init__(self, field: str, code: str, **params: object) -> None:
        english = MESSAGES["err_" + code][1].format(**params)
        super().__init__(f"{field}: {english}")
        self.field = field
        self.code = code
        self.params = params


def euros_to_cents(text: str, field: str) -> int:
    cleaned = text.strip().replace("€", "").replace(" ", "")
    if "," in cleaned:  # Dutch: 1.234,56
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FormError(field, "not_euros", text=repr(text)) from None
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
