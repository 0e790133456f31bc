"""A refused form in the page's language: each problem as "<the form's label>: <what is wrong>".

pydantic's errors are worded by their ``type`` with their ctx values (money bounds of a
``*_cents`` field as euros); a type the catalogue does not know keeps pydantic's English ``msg``.
The forms' own problems (:class:`~serving.webapp.forms.FormError`) and the operate refusals
(:class:`~serving.operate.dossier_actions.ActionRefusedError`, a segment name taken) are worded by
their code and parameters. The words live in :mod:`serving.webapp.messages_errors`; the API
keeps its English messages.
"""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError

from serving.operate.dossier_actions import ActionRefusedError
from serving.operate.segments import SegmentExistsError
from serving.reports.i18n import Lang, as_language
from serving.webapp.change_words import LABELS as SETTINGS_LABELS
from serving.webapp.forms import FormError
from serving.webapp.messages import MESSAGES
from serving.webapp.templating import translator

# a posted field (or the model field it becomes) -> the form's label (a key of the messages)
LABELS = SETTINGS_LABELS | {
    "channel_costs_cents": "cost_euros",
    "contact_budget_euros": "contact_budget",
    "reason": "reason",
    "until": "until",
    "resolution": "resolution",
    "invoice_number": "invoice",
    "invoice_numbers": "invoice_numbers",
    "credit_cents": "credit",
    "credit_euros": "credit",
    "amount_cents": "amount",
    "amount_euros": "amount",
    "promised_date": "promised_date",
    "note": "note",
    "text": "note",
    "stage": "hand_off_to",
    "action": "actions",
    "outcome": "kind_outcome",
    "occurred_at": "date",
    "name": "name",
    "excluded": "excluded",
    "allowed_channels": "allowed_channels",
    "min_tone": "min_tone",
    "max_tone": "max_tone",
    "default_tone": "default_tone",
    "priority": "priority",
    "plan": "segment_plan",
    "rules": "rules_json",
    "ladder": "ladder_json",
}
# pydantic error types worded alike -> the type whose message words them
_ALIKE = {
    "date_from_datetime_parsing": "date_parsing",
    "date_from_datetime_inexact": "date_parsing",
    "date_type": "date_parsing",
    "datetime_from_date_parsing": "datetime_parsing",
    "datetime_type": "datetime_parsing",
    "enum": "literal_error",
    "union_tag_not_found": "union_tag_invalid",
    "string_type": "wrong_type",
    "int_type": "wrong_type",
    "float_type": "wrong_type",
    "bool_type": "wrong_type",
    "list_type": "wrong_type",
    "dict_type": "wrong_type",
    "model_type": "wrong_type",
    "model_attributes_type": "wrong_type",
    "json_invalid": "wrong_type",
    "string_pattern_mismatch": "wrong_type",
}
_BOUNDS = ("gt", "ge", "lt", "le")
Refusal = ValidationError | ActionRefusedError | FormError | SegmentExistsError


def message_key(error_type: str) -> str | None:
    """The catalogue's key for a pydantic error type; None: not worded (pydantic's msg shows)."""
    key = "err_" + _ALIKE.get(error_type, error_type)
    return key if key in MESSAGES else None


class ErrorWords:
    def __init__(self, language: str) -> None:
        self.lang = Lang(as_language(language))
        self.t: Callable[..., str] = translator(language)

    def label(self, field: str) -> str:
        if field in LABELS:  # the label without its hint: "Tot en met (leeg: …)" -> "Tot en met"
            return self.t(LABELS[field]).split(" (", 1)[0]
        if "field_" + field in MESSAGES:
            return self.t("field_" + field)
        return field

    def _name(self, loc: list[str]) -> str:
        if not loc:
            return self.t("field_form")
        parts = [self.label(loc[0])]
        for part in loc[1:]:  # a channel's cost by the channel, a rule's JSON key as typed
            parts.append(self.t("channel_" + part) if "channel_" + part in MESSAGES else part)
        return " ".join(parts)

    def _value(self, name: str, value: Any, field: str) -> str:
        if isinstance(value, date):
            return self.lang.long_date(value)
        if name == "cents" or (name in _BOUNDS and field.endswith("_cents")):
            return self.lang.money(int(value))
        if name in ("outcome", "result") and "outcome_" + str(value) in MESSAGES:
            return self.t("outcome_" + str(value))
        if name == "weekdays":
            return ", ".join(self.t(f"day_{d}") for d in value)
        if name == "minimum":  # the field holding the minimum, by its label
            return self.label(str(value))
        if "tone_" + str(value) in MESSAGES:
            return self.t("tone_" + str(value))
        if name == "expected":  # pydantic's "'a', 'b' or 'c'"
            return str(value).replace(" or ", f" {self.t('err_or')} ")
        return str(value)

    def _worded(self, key: str, field: str, params: Mapping[str, Any]) -> str:
        values = {k: self._value(k, v, field) for k, v in params.items()}
        return self.t(key, **values) if values else self.t(key)

    def lines(self, err: Refusal, *, tagged: bool = False) -> list[str]:
        """One line per refused field; ``tagged``: the model is a discriminated union, whose tag
        (the first part of each location) is left out."""
        if not isinstance(err, ValidationError):
            return [self.refusal(err)]
        lines = []
        for e in err.errors():
            loc = [str(p) for p in e.get("loc", ())]
            loc = loc[1:] if tagged and len(loc) > 1 else loc
            key = message_key(e["type"])
            field = loc[0] if loc else ""
            problem = e["msg"] if key is None else self._worded(key, field, e.get("ctx", {}))
            lines.append(f"{self._name(loc)}: {problem}")
        return lines

    def refusal(self, err: ActionRefusedError | FormError | SegmentExistsError) -> str:
        params: Mapping[str, object]
        if isinstance(err, SegmentExistsError):
            field, code, params = "name", "segment_exists", {"name": err.name}
        else:
            field, code, params = err.field, err.code, err.params
        return f"{self.label(field)}: {self._worded('err_' + code, field, params)}"
