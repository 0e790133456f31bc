"""The Models page gives the gate's verdict and checks in the user's language, with euros and
rounded scores, never the training's code names, formulas or cents in scientific notation."""

import pytest
from fastapi.testclient import TestClient

from serving.webapp import models_view
from serving.webapp.gate_words import GateWords
from serving.webapp.models_view import GateCheck, Version
from tests.serving.webapp.conftest import Tenants, log_in

# the figures as training/policy_gate.py writes them (the demo's refused challenger)
CHECKS = (
    GateCheck("pay_auc_vs_logistic", True, "P(pay) AUC >= logistic baseline's - 0.01",
              {"candidate": 0.68, "baseline": 0.681, "margin": 0.01}),
    GateCheck("pay_logloss_vs_logistic", False, "pay_logloss <= logistic baseline's x (1 + 0.01)",
              {"candidate": 0.319, "baseline": 0.313, "margin_share": 0.01}),
    GateCheck("complaint_logloss_vs_prior", True, "complaint_logloss <= prior baseline's x …",
              {"candidate": 0.149, "baseline": 0.154, "margin_share": 0.01}),
    GateCheck("ope_lower_bound_vs_logging", False, "lower end of the DR 95 % interval > …",
              {"estimator": "dr", "candidate": 44_700.0, "ci95": [5_080.0, 84_400.0],
               "logging": 24_100.0, "effective_sample_size": 270.4,
               "min_effective_sample_size": 100.0, "n": 21_330}),
    GateCheck("replay_vs_segment-fixed", True, "lower end of the paired 95 % interval …",
              {"eur_per_debtor": {"mean": 2.61, "n": 1, "ci95": None}, "per_world": [2.61]}),
    GateCheck("limits_held", False, "the candidate held every limit …",
              {"held_in": "0/1", "per_world": [{"world": "w0"}]}),
)  # fmt: skip
CODES = ("pay_", "logloss <=", "baseline's", "e+0", "_vs_", "limits_held", "EUR/debtor")


def test_each_check_in_dutch_with_euros() -> None:
    words = GateWords("nl")
    said = [words.check(c) for c in CHECKS]
    assert said[0] == (
        "Rangschikt wie betaalt (AUC 0,680) minstens zo goed als een eenvoudige logistische "
        "regressie (0,681, marge 0,010)."
    )
    assert "de ondergrens van het 95%-interval van de opbrengst per beslissing (€ 50,80;" in str(
        said[3]
    )
    assert "huidige beleid (€ 241,00)" in str(said[3])
    assert said[4] == "In 1 gesimuleerde wereld(en) per debiteur € 2,61 meer dan het vaste plan " \
        "per segment."  # fmt: skip
    for text in said:
        assert text is not None
        assert not any(code in text for code in CODES), text
    assert words.verdict("not promoted") == "niet gepromoveerd"


def test_the_off_policy_gain_in_both_languages_and_a_verdict_from_before_it() -> None:
    figures = {**CHECKS[3].figures, "gain": 20_600.0, "gain_ci95": [-1_200.0, 42_400.0]}
    paired = GateCheck("ope_lower_bound_vs_logging", False, "… paired …", figures)
    nl, en = GateWords("nl").check(paired), GateWords("en").check(paired)
    assert "meeropbrengst per beslissing boven het huidige beleid (-€ 12,00; geschat € 206,00: " \
        "€ 447,00 tegen € 241,00) boven nul" in str(nl)  # fmt: skip
    assert "the gain per decision over the current policy (-€12.00; estimate €206.00: " \
        "€447.00 against €241.00) above zero" in str(en)  # fmt: skip
    # the figures of a verdict written before the gain was checked still read as then
    assert "opbrengst per beslissing (€ 50,80;" in str(GateWords("nl").check(CHECKS[3]))


def test_an_unknown_check_keeps_its_own_rule() -> None:
    assert GateWords("en").check(GateCheck("new_check", True, "x > y", {"x": 1})) is None


@pytest.fixture
def with_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    version = Version("1", (), "not promoted", 0, "run1", CHECKS)
    # past the per-process cache, which the other tests' registry fills
    monkeypatch.setattr(models_view, "cached_versions", lambda settings: [version])


def test_the_models_page_shows_the_checks_in_words(client: TestClient, with_checks: None) -> None:
    log_in(client, Tenants.email("finance"))
    page = client.get("/app/models").text
    table = page.split('id="versions"', 1)[1].split("</table>", 1)[0]
    assert "niet gepromoveerd" in table
    assert "Voorspelt de klachtkans (log loss 0,149, lager is beter) niet slechter dan het " \
        "gemiddelde (0,154, marge 1%)." in table  # fmt: skip
    assert not any(code in table for code in CODES)
