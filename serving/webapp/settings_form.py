"""The Settings and Segments forms <-> the settings API's models (:class:`CreditorConfig`,
:class:`SegmentConfig`): what a person types becomes the JSON the API would take, so the same
validators give the same messages. Times are typed as ``HH:MM`` (stored as minutes), money in
euros (stored as cents), lists as checkboxes or comma-separated text, rules and ladders as JSON.
"""

import json
from typing import Any

from policy.creditor_config import CreditorConfig
from serving.webapp.forms import FormError, euros_to_cents

CHECKBOXES = ("thank_you_mail", "promise_confirmation_mail")
TIMES = ("contact_start_minute", "contact_end_minute", "digest_minute")
OPTIONAL_TEXT = ("iban", "bic", "logo_path")


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def minutes(text: str, field: str) -> int:
    hours, sep, mins = text.strip().partition(":")
    if not sep or not hours.isdigit() or not mins.isdigit():
        raise FormError(field, "not_time", text=repr(text))
    return int(hours) * 60 + int(mins)


def _int_list(values: list[str], field: str) -> list[int]:
    try:
        return [int(v) for v in values]
    except ValueError:
        raise FormError(field, "not_numbers", text=", ".join(values)) from None


def creditor_patch(form: dict[str, list[str]]) -> dict[str, Any]:
    """The settings form as the API's PATCH body (``sender_config`` is not on the form)."""

    def one(name: str) -> str:
        return (form.get(name) or [""])[0].strip()

    patch: dict[str, Any] = {
        "allowed_weekdays": _int_list(form.get("allowed_weekdays", []), "allowed_weekdays"),
        "disabled_channels": form.get("disabled_channels", []),
        **{name: name in form for name in CHECKBOXES},
        **{name: minutes(one(name), name) for name in TIMES},
        **{name: one(name) or None for name in OPTIONAL_TEXT},
        "channel_costs_cents": {
            key.removeprefix("cost_"): euros_to_cents(vals[0], key)
            for key, vals in form.items()
            if key.startswith("cost_") and vals and vals[0].strip()
        },
        "digest_recipients": [a.strip() for a in one("digest_recipients").split(",") if a.strip()],
    }
    for name in ("min_gap_days", "bundle_days", "complaint_pause_days", "digest_weekday"):
        patch[name] = one(name)
    for name in ("language", "payment_reference_scheme"):
        patch[name] = one(name)
    patch["complaint_limit_per_1000"] = one("complaint_limit_per_1000") or None
    patch["max_contacts_per_debtor"] = one("max_contacts_per_debtor") or None
    budget = one("contact_budget_euros")
    patch["contact_budget_cents"] = (
        euros_to_cents(budget, "contact_budget_euros") if budget else None
    )
    return patch


def segment_values(form: dict[str, list[str]]) -> dict[str, Any]:
    """The segment form as the API's body (rules and ladder typed as JSON)."""

    def one(name: str) -> str:
        return (form.get(name) or [""])[0].strip()

    out: dict[str, Any] = {
        "name": one("name"),
        "excluded": "excluded" in form,
        "allowed_channels": form.get("allowed_channels") or None,
        "min_tone": one("min_tone") or None,
        "max_tone": one("max_tone") or None,
        "default_tone": one("default_tone") or "neutral",
        "priority": one("priority") or 100,
        "plan": one("plan") or None,
    }
    for name in ("rules", "ladder"):
        text = one(name)
        try:
            out[name] = json.loads(text) if text else None
        except json.JSONDecodeError as err:
            raise FormError(name, "not_json", problem=err.msg, line=err.lineno) from None
    return out


def current(config: CreditorConfig) -> dict[str, Any]:
    """The values the settings form shows."""
    values = config.model_dump(mode="json")
    values.update({name: hhmm(values[name]) for name in TIMES})
    return values
