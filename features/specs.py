"""Every feature, declared once: name, dtype, entity and a plain-language description (nl, en).

The descriptions are format strings that explanations and reports fill with the feature's value
(``{value}``), e.g. "paid 4 of the last 5 invoices late". Each language throughout: a category's
value is shown in the description's language (:data:`VALUE_WORDS`: channels as
``ledger.channels`` calls them, tones, stages, outcomes), a yes/no as "ja"/"nee", a share as a
percentage, a Dutch number with a decimal comma. A builder may only emit columns that are
declared here (``tests/features/test_specs.py`` checks it), and the registry order is the column
order of every feature table.

How to add a feature: see ``features/README.md`` (declare it here, compute it in the builder of its
entity, run the leakage tests). This module must never compute anything.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from ledger.channels import CHANNEL_NAMES, CHANNEL_WORDS
from ledger.enums import STAGE_WORDS

Dtype = Literal["int", "float", "bool", "category"]


class Entity(StrEnum):
    DEBTOR = "debtor"
    INVOICE = "invoice"
    ACTION = "action"


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """One feature. ``categories`` fixes the levels of a categorical so train and live agree."""

    name: str
    dtype: Dtype
    entity: Entity
    description_nl: str
    description_en: str
    categories: tuple[str, ...] = ()
    in_payment_time_model: bool = True
    share: bool = False  # a share of 0 … 1, shown as a percentage

    def describe(self, value: object, lang: str = "en") -> str:
        """The description with the value filled in, in the description's language (numbers
        rounded for people)."""
        nl = lang == "nl"
        template = self.description_nl if nl else self.description_en
        shown: object = value
        if isinstance(value, bool) or (self.dtype == "bool" and value in (0, 1)):
            shown = YES_NO[bool(value)][0 if nl else 1]
        elif isinstance(value, float) and self.share:
            shown = f"{100 * value:.0f}%"
        elif isinstance(value, float):
            shown = f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"
            shown = shown.replace(".", ",") if nl else shown
        elif isinstance(value, str) and value in self.categories and value in VALUE_WORDS:
            shown = VALUE_WORDS[value][0 if nl else 1]
        return template.format(value=shown)


CHANNELS = CHANNEL_NAMES  # declared once in ledger.channels; the models' category order
TONES = ("friendly", "neutral", "firm")
STAGES = ("none", "reminder", "pre_collection", "fourteen_day_letter", "collection", "bailiff")
OUTCOMES = ("none", "paid", "promise", "dispute", "wants_copy", "unreachable", "complaint")
NONE_CHANNELS = ("none", *CHANNELS)
NONE_TONES = ("none", *TONES)
# a tone in words: (Dutch, Dutch before a noun, English)
TONE_WORDS: dict[str, tuple[str, str, str]] = {
    "friendly": ("vriendelijk", "vriendelijke", "friendly"),
    "neutral": ("neutraal", "neutrale", "neutral"),
    "firm": ("streng", "strenge", "firm"),
}
YES_NO = {True: ("ja", "yes"), False: ("nee", "no")}
# a category's value in words (Dutch, English); the channels' are declared with the channels
VALUE_WORDS: Mapping[str, tuple[str, str]] = {
    "none": ("geen", "none"),
    **CHANNEL_WORDS,
    **{tone: (nl, en) for tone, (nl, _, en) in TONE_WORDS.items()},
    **STAGE_WORDS,
    "paid": ("betaald", "paid"),
    "promise": ("betaalbelofte", "promise to pay"),
    "dispute": ("betwist", "disputed"),
    "wants_copy": ("wil een kopie", "wants a copy"),
    "unreachable": ("onbereikbaar", "unreachable"),
    "complaint": ("klacht", "complaint"),
    "b2b": ("zakelijk", "business"),
    "b2c": ("particulier", "consumer"),
}
_D, _I, _A = Entity.DEBTOR, Entity.INVOICE, Entity.ACTION


def _f(name: str, dtype: Dtype, entity: Entity, nl: str, en: str, **kw: object) -> FeatureSpec:
    return FeatureSpec(name, dtype, entity, nl, en, **kw)  # type: ignore[arg-type]


_HISTORY: list[FeatureSpec] = [
    _f("hist_n_invoices", "int", _D, "{value} eerdere facturen", "{value} earlier invoices"),
    _f(
        "hist_n_settled",
        "int",
        _D,
        "{value} eerdere facturen betaald",
        "{value} earlier invoices paid",
    ),
    _f(
        "hist_share_late",
        "float",
        _D,
        "aandeel te laat betaald: {value}",
        "share paid late: {value}",
        share=True,
    ),
    _f(
        "hist_late_last5",
        "int",
        _D,
        "betaalde {value} van de laatste 5 facturen te laat",
        "paid {value} of the last 5 invoices late",
    ),
    _f(
        "hist_mean_days_late",
        "float",
        _D,
        "gemiddeld {value} dagen te laat",
        "on average {value} days late",
    ),
    _f(
        "hist_median_days_late",
        "float",
        _D,
        "meestal (mediaan) {value} dagen te laat",
        "typically (median) {value} days late",
    ),
    _f(
        "hist_max_days_late",
        "float",
        _D,
        "ooit {value} dagen te laat (maximum)",
        "once {value} days late (maximum)",
    ),
    _f(
        "hist_recent_days_late",
        "float",
        _D,
        "laatste 3 facturen gemiddeld {value} dagen te laat",
        "last 3 invoices on average {value} days late",
    ),
    _f(
        "hist_trend_days_late",
        "float",
        _D,
        "recent {value} dagen later dan gewoonlijk",
        "recently {value} days later than usual",
    ),
    _f(
        "hist_mean_pay_delay",
        "float",
        _D,
        "betaalt gemiddeld {value} dagen na de vervaldag (negatief: ervoor)",
        "pays on average {value} days after the due date (negative: before)",
    ),
    _f(
        "hist_mean_days_to_pay",
        "float",
        _D,
        "betaalt gemiddeld {value} dagen na de factuurdatum",
        "pays on average {value} days after the invoice date",
    ),
    _f(
        "hist_days_since_last_payment",
        "float",
        _D,
        "laatste betaling {value} dagen geleden",
        "last payment {value} days ago",
    ),
    _f(
        "hist_days_to_pay_after_reminder",
        "float",
        _D,
        "betaalt gemiddeld {value} dagen na de eerste herinnering",
        "pays on average {value} days after the first reminder",
    ),
    _f(
        "hist_n_contacts",
        "int",
        _D,
        "{value} keer eerder benaderd",
        "contacted {value} times before",
    ),
    *[
        _f(
            f"resp_rate_{c}",
            "float",
            _D,
            f"reageert op contact per {CHANNEL_WORDS[c][0]} in {{value}} van de gevallen (geschat)",
            f"responds to contact by {CHANNEL_WORDS[c][1]} in {{value}} of cases (estimated)",
            share=True,
        )
        for c in CHANNELS
    ],
    *[
        _f(
            f"resp_rate_{t}",
            "float",
            _D,
            f"reageert op een {nl_before} toon in {{value}} van de gevallen (geschat)",
            f"responds to a {en} tone in {{value}} of cases (estimated)",
            share=True,
        )
        for t, (_, nl_before, en) in TONE_WORDS.items()
    ],
    _f(
        "last_contact_channel",
        "category",
        _D,
        "laatste contact via {value}",
        "last contact by {value}",
        categories=NONE_CHANNELS,
    ),
    _f(
        "last_contact_tone",
        "category",
        _D,
        "toon van het laatste contact: {value}",
        "tone of the last contact: {value}",
        categories=NONE_TONES,
    ),
    _f(
        "last_outcome",
        "category",
        _D,
        "laatste uitkomst: {value}",
        "last outcome: {value}",
        categories=OUTCOMES,
    ),
    _f(
        "days_since_last_contact",
        "float",
        _D,
        "laatste contact {value} dagen geleden",
        "last contact {value} days ago",
    ),
    _f(
        "hist_n_promises",
        "int",
        _D,
        "{value} betalingsbeloften gedaan",
        "{value} promises to pay made",
    ),
    _f(
        "hist_n_promises_broken",
        "int",
        _D,
        "{value} betalingsbeloften gebroken",
        "{value} promises to pay broken",
    ),
    _f("hist_n_disputes", "int", _D, "{value} keer betwist", "{value} disputes"),
    _f("hist_n_complaints", "int", _D, "{value} klachten", "{value} complaints"),
]

_EXPOSURE_STATIC: list[FeatureSpec] = [
    _f("open_invoices", "int", _D, "{value} openstaande facturen", "{value} open invoices"),
    _f("open_amount", "float", _D, "EUR {value} openstaand", "EUR {value} outstanding"),
    _f(
        "overdue_invoices",
        "int",
        _D,
        "{value} facturen over de vervaldag",
        "{value} invoices past their due date",
    ),
    _f("overdue_amount", "float", _D, "EUR {value} over de vervaldag", "EUR {value} overdue"),
    _f(
        "overdue_mean_days",
        "float",
        _D,
        "openstaande facturen gemiddeld {value} dagen over de vervaldag",
        "open invoices on average {value} days overdue",
    ),
    _f(
        "debtor_kind",
        "category",
        _D,
        "soort klant: {value}",
        "kind of customer: {value}",
        categories=("b2b", "b2c"),
    ),
    _f(
        "segment",
        "category",
        _D,
        "segment: {value}",
        "segment: {value}",
    ),
    _f(
        "tenure_days",
        "float",
        _D,
        "klant sinds {value} dagen (eerste factuur)",
        "customer for {value} days (first invoice)",
    ),
    _f("reach_email", "bool", _D, "bereikbaar per e-mail: {value}", "reachable by e-mail: {value}"),
    _f(
        "reach_phone",
        "bool",
        _D,
        "bereikbaar per telefoon of sms: {value}",
        "reachable by phone/SMS: {value}",
    ),
    _f("reach_letter", "bool", _D, "bereikbaar per brief: {value}", "reachable by letter: {value}"),
]

_INVOICE: list[FeatureSpec] = [
    _f("inv_amount", "float", _I, "factuurbedrag EUR {value}", "invoice amount EUR {value}"),
    _f(
        "inv_amount_rel",
        "float",
        _I,
        "{value} keer het gebruikelijke factuurbedrag",
        "{value} times the usual invoice amount",
    ),
    _f("inv_term_days", "float", _I, "betaaltermijn {value} dagen", "payment term {value} days"),
    _f(
        "inv_days_overdue",
        "float",
        _I,
        "{value} dagen over de vervaldag (negatief: nog niet vervallen)",
        "{value} days past the due date (negative: not yet due)",
    ),
    _f("inv_reminders", "int", _I, "{value} herinneringen verstuurd", "{value} reminders sent"),
    _f("inv_stage", "category", _I, "fase: {value}", "stage: {value}", categories=STAGES),
]

_ACTION: list[FeatureSpec] = [
    _f(
        "cand_channel",
        "category",
        _A,
        "kanaal: {value}",
        "channel: {value}",
        categories=NONE_CHANNELS,
        in_payment_time_model=False,
    ),
    _f(
        "cand_tone",
        "category",
        _A,
        "toon: {value}",
        "tone: {value}",
        categories=NONE_TONES,
        in_payment_time_model=False,
    ),
    _f(
        "cand_resp_rate",
        "float",
        _A,
        "reageert op dit kanaal in {value} van de gevallen (geschat)",
        "responds to this channel in {value} of cases (estimated)",
        in_payment_time_model=False,
        share=True,
    ),
    _f("send_weekday", "int", _A, "weekdag {value} (0 = maandag)", "weekday {value} (0 = Monday)"),
    _f("send_hour", "int", _A, "om {value} uur", "at {value} o'clock", in_payment_time_model=False),
    _f(
        "send_days_to_month_end",
        "int",
        _A,
        "{value} dagen tot het einde van de maand",
        "{value} days to the end of the month",
    ),
    _f(
        "send_days_to_25th",
        "int",
        _A,
        "{value} dagen tot de 25e (salarisdag)",
        "{value} days to the 25th (payday)",
    ),
    _f("send_is_holiday", "bool", _A, "feestdag: {value}", "public holiday: {value}"),
    _f(
        "send_days_to_holiday",
        "int",
        _A,
        "{value} dagen tot de volgende feestdag",
        "{value} days to the next public holiday",
    ),
]

FEATURES: tuple[FeatureSpec, ...] = (*_HISTORY, *_EXPOSURE_STATIC, *_INVOICE, *_ACTION)
REGISTRY: dict[str, FeatureSpec] = {spec.name: spec for spec in FEATURES}
if len(REGISTRY) != len(FEATURES):  # pragma: no cover - guards against a copy-paste slip
    raise RuntimeError("duplicate feature name in features/specs.py")


def get_spec(name: str) -> FeatureSpec:
    """The spec of one feature; ``KeyError`` names the unknown feature."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown feature {name!r}; declare it in features/specs.py") from None


def feature_names(entities: Iterable[Entity] | None = None) -> list[str]:
    """Names in registry order, optionally only those of some entities."""
    wanted = set(entities) if entities is not None else set(Entity)
    return [spec.name for spec in FEATURES if spec.entity in wanted]


def payment_time_feature_names() -> list[str]:
    """The features the payment-time model uses (no candidate action, no send hour)."""
    return [spec.name for spec in FEATURES if spec.in_payment_time_model]
