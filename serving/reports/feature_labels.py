"""What a feature is called when its value is not at hand, in Dutch and English.

A decision stores the values of its top reasons only, while its SHAP chart shows more features.
:func:`label` names those without a value ("days since the last payment"), never with a
placeholder ("last payment … days ago"). The descriptions with a value stay in
:mod:`features.specs`; a feature whose description is "<name>: {value}" is called by that name,
the others are named here (``tests/serving/reports`` checks every feature has a name).
"""

from features.specs import REGISTRY
from serving.reports.rule_words import CHANNELS, TONES

_WORDS = {**CHANNELS, **TONES}

NAMES: dict[str, tuple[str, str]] = {
    "hist_n_invoices": ("aantal eerdere facturen", "number of earlier invoices"),
    "hist_n_settled": ("aantal eerdere facturen betaald", "number of earlier invoices paid"),
    "hist_late_last5": (
        "hoeveel van de laatste 5 facturen te laat betaald",
        "how many of the last 5 invoices were paid late",
    ),
    "hist_mean_days_late": ("gemiddeld aantal dagen te laat", "average days late"),
    "hist_median_days_late": ("mediaan aantal dagen te laat", "median days late"),
    "hist_max_days_late": ("meeste dagen ooit te laat", "most days late ever"),
    "hist_recent_days_late": (
        "dagen te laat bij de laatste 3 facturen",
        "days late on the last 3 invoices",
    ),
    "hist_trend_days_late": ("recente verandering in dagen te laat", "recent change in days late"),
    "hist_mean_pay_delay": (
        "gemiddeld aantal dagen betaald na de vervaldag",
        "average days paid after the due date",
    ),
    "hist_mean_days_to_pay": (
        "gemiddeld aantal dagen van factuur tot betaling",
        "average days from invoice to payment",
    ),
    "hist_days_since_last_payment": (
        "dagen sinds de laatste betaling",
        "days since the last payment",
    ),
    "hist_days_to_pay_after_reminder": (
        "dagen tot betaling na de eerste herinnering",
        "days to pay after the first reminder",
    ),
    "hist_n_contacts": ("aantal eerdere contacten", "number of earlier contacts"),
    "last_contact_channel": ("kanaal van het laatste contact", "channel of the last contact"),
    "last_contact_tone": ("toon van het laatste contact", "tone of the last contact"),
    "days_since_last_contact": ("dagen sinds het laatste contact", "days since the last contact"),
    "hist_n_promises": ("aantal betalingsbeloften", "number of promises to pay"),
    "hist_n_promises_broken": ("aantal gebroken beloften", "number of broken promises"),
    "hist_n_disputes": ("aantal betwistingen", "number of disputes"),
    "hist_n_complaints": ("aantal klachten", "number of complaints"),
    "open_invoices": ("aantal openstaande facturen", "number of open invoices"),
    "open_amount": ("openstaand bedrag", "amount outstanding"),
    "overdue_invoices": ("aantal facturen over de vervaldag", "number of invoices past due"),
    "overdue_amount": ("bedrag over de vervaldag", "amount overdue"),
    "overdue_mean_days": ("gemiddeld aantal dagen over de vervaldag", "average days overdue"),
    "tenure_days": ("hoe lang al klant", "how long a customer"),
    "inv_amount": ("factuurbedrag", "invoice amount"),
    "inv_amount_rel": (
        "factuurbedrag tegenover het gebruikelijke",
        "invoice amount against the usual",
    ),
    "inv_term_days": ("betaaltermijn", "payment term"),
    "inv_days_overdue": ("dagen over de vervaldag", "days past the due date"),
    "inv_reminders": ("aantal verstuurde herinneringen", "number of reminders sent"),
    "cand_resp_rate": ("reactiekans op dit kanaal (geschat)", "response rate to this channel"),
    "send_weekday": ("dag van verzenden", "day of sending"),
    "send_hour": ("uur van verzenden", "hour of sending"),
    "send_days_to_month_end": ("dagen tot het einde van de maand", "days to the end of the month"),
    "send_days_to_25th": ("dagen tot de 25e (salarisdag)", "days to the 25th (payday)"),
    "send_days_to_holiday": ("dagen tot de volgende feestdag", "days to the next public holiday"),
}
_RESPONSE = ("reactiekans op {what} (geschat)", "response rate to {what} (estimated)")


def label(name: str, language: str) -> str:
    """The feature's name in ``language`` (nl or en), without a value."""
    col = 0 if language == "nl" else 1
    if name in NAMES:
        return NAMES[name][col]
    if name.startswith("resp_rate_"):
        what = _WORDS.get(name.removeprefix("resp_rate_"), (name, name))[col]
        return _RESPONSE[col].format(what=what)
    spec = REGISTRY.get(name)
    if spec is not None:
        template = spec.description_nl if col == 0 else spec.description_en
        head, sep, tail = template.partition(": {value}")
        if sep and not tail:
            return head
    return name.replace("_", " ")
