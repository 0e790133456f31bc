"""Every feature has a name without a placeholder in both languages (a new feature whose
description is not "<name>: {value}" must be named in serving.reports.feature_labels)."""

import pytest

from features.specs import REGISTRY
from serving.reports.feature_labels import label


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_feature_has_a_plain_name(name: str) -> None:
    for language in ("nl", "en"):
        text = label(name, language)
        assert "{" not in text, (name, language, text)
        assert "…" not in text, (name, language, text)
        assert "_" not in text, (name, language, text)


def test_the_issues_examples() -> None:
    assert label("hist_days_since_last_payment", "en") == "days since the last payment"
    assert label("cand_tone", "en") == "tone"
    assert label("cand_tone", "nl") == "toon"
    assert label("resp_rate_sms", "nl") == "reactiekans op sms (geschat)"
