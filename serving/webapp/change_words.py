"""The Settings page's "latest changes" in the user's language: each audited field by the label
the form gives it, its old and new value as a person reads them (weekdays by name, minutes after
midnight as a time, cents as euros, yes/no) — never the column name and the stored value
("allowed_weekdays: [0, 1, 2, 3, 4, 5]"). A field without a label here keeps its name; this
module only formats.
"""

from collections.abc import Callable, Mapping
from typing import Any

from serving.reports.i18n import Lang, as_language

# the audited column -> the form's label (a key of serving.webapp.messages)
LABELS = {
    "allowed_weekdays": "weekdays",
    "contact_start_minute": "window_start",
    "contact_end_minute": "window_end",
    "min_gap_days": "min_gap_days",
    "bundle_days": "bundle_days",
    "channel_costs_cents": "channels",
    "disabled_channels": "switched_off",
    "payment_reference_scheme": "reference_scheme",
    "logo_path": "logo_path",
    "language": "report_language",
    "thank_you_mail": "thank_you_mail",
    "promise_confirmation_mail": "promise_confirmation_mail",
    "complaint_pause_days": "complaint_pause_days",
    "complaint_limit_per_1000": "complaint_limit",
    "contact_budget_cents": "contact_budget",
    "max_contacts_per_debtor": "contact_limit",
    "digest_recipients": "digest_recipients",
    "digest_weekday": "digest_weekday",
    "digest_minute": "digest_time",
}


class ChangeWords:
    def __init__(self, language: str, t: Callable[..., str]) -> None:
        self.lang = Lang(as_language(language))
        self.t = t

    def label(self, field: str) -> str:
        return self.t(LABELS[field]) if field in LABELS else field.replace("_", " ")

    def value(self, field: str, value: Any) -> str:
        if value is None or value == [] or value == "":
            return "—"
        if isinstance(value, bool):
            return ("ja", "nee")[not value] if self.lang.code == "nl" else ("yes", "no")[not value]
        if field in ("allowed_weekdays", "digest_weekday"):
            days = value if isinstance(value, list) else [value]
            return ", ".join(self.t(f"day_{d}") for d in days)
        if field.endswith("_minute") and isinstance(value, int):
            return f"{value // 60:02d}:{value % 60:02d}"
        if field.endswith("_cents") and isinstance(value, Mapping):
            return ", ".join(f"{self.t('channel_' + k)} {self.lang.money(int(v))}"
                             for k, v in value.items())  # fmt: skip
        if field.endswith("_cents") and isinstance(value, int):
            return self.lang.money(value)
        if field == "disabled_channels" and isinstance(value, list):
            return ", ".join(self.t("channel_" + str(c)) for c in value)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    def change(self, field: str, old_new: Mapping[str, Any]) -> str:
        old, new = (self.value(field, old_new.get(k)) for k in ("old", "new"))
        return f"{self.label(field)}: {old} → {new}"
