"""Every feature's description speaks one language throughout: no Dutch description shows an
English channel, tone, stage or outcome word (from its template or from a category's value),
shares read as percentages and Dutch numbers with a decimal comma."""

import re

import pytest

from features.specs import FEATURES, TONES, VALUE_WORDS, FeatureSpec, get_spec
from ledger.channels import CHANNEL_NAMES

# the code names whose Dutch word differs ("sms" is Dutch too); matched as whole words
ENGLISH = sorted(
    {code for code, (nl, _) in VALUE_WORDS.items() if code != nl}
    | {en.lower() for _, en in VALUE_WORDS.values()}
    | {"tone", "channel", "phone", "call"}
)
_ENGLISH = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b", re.IGNORECASE)
DUTCH_TOO = {"e-mail", "sms", "incasso"}  # words both languages write alike


def _samples(spec: FeatureSpec) -> list[object]:
    if spec.dtype == "category":
        return list(spec.categories) or ["A"]
    if spec.dtype == "bool":
        return [True, False]
    return [0.61, 3.0, 12]


def _english_in(text: str) -> list[str]:
    return [w for w in _ENGLISH.findall(text) if w.lower() not in DUTCH_TOO]


@pytest.mark.parametrize("spec", FEATURES, ids=lambda s: s.name)
def test_no_dutch_description_has_an_english_word(spec: FeatureSpec) -> None:
    for value in _samples(spec):
        text = spec.describe(value, "nl")
        assert not _english_in(text), text
        assert "_" not in text, text  # no code name (pre_collection, wants_copy)


def test_the_english_words_are_those_of_the_channels_and_tones() -> None:
    assert {"email", "phone", "letter", "robocall"} <= set(ENGLISH)
    assert {"friendly", "neutral", "firm"} == set(TONES) & set(ENGLISH)
    assert set(CHANNEL_NAMES) <= set(VALUE_WORDS)


def test_values_read_in_the_description_language() -> None:
    assert get_spec("resp_rate_phone").describe(0.61, "nl") == (
        "reageert op contact per telefoon in 61% van de gevallen (geschat)"
    )
    assert get_spec("resp_rate_firm").describe(0.2, "nl") == (
        "reageert op een strenge toon in 20% van de gevallen (geschat)"
    )
    assert get_spec("last_contact_channel").describe("letter", "nl") == "laatste contact via brief"
    assert get_spec("last_contact_channel").describe("letter") == "last contact by letter"
    assert get_spec("inv_stage").describe("pre_collection", "nl") == "fase: aanmaning"
    assert get_spec("reach_email").describe(False, "nl") == "bereikbaar per e-mail: nee"
    assert get_spec("hist_mean_days_late").describe(3.44, "nl") == "gemiddeld 3,4 dagen te laat"
    assert get_spec("hist_mean_days_late").describe(3.44) == "on average 3.4 days late"
