"""The promotion gate's verdict and checks in the Models page's language, with figures a finance
user reads: euros (the off-policy check's cents converted), 3 decimals for model scores, the
number of simulated worlds — never the training's code names and formulas ("pay_logloss <= prior
baseline's x (1 + 0.01)", "4.47e+04").

The checks are written by ``training/policy_gate.py``; a check this module does not know is shown
with its own rule and figures (:attr:`serving.webapp.models_view.GateCheck.shown`). To word a new
check: add its sentence to :data:`SENTENCES` and its figures to :meth:`GateWords.check`.
"""

from typing import Any

from serving.reports.i18n import Lang, as_language
from serving.webapp.models_view import GateCheck

NL, EN = 0, 1
VERDICTS = {"promoted": ("gepromoveerd", "promoted"), "not promoted": ("niet gepromoveerd",
                                                                       "not promoted")}  # fmt: skip
MODELS = {"pay": ("de betaalkans", "the chance of payment"),
          "complaint": ("de klachtkans", "the chance of a complaint")}  # fmt: skip
REFERENCES = {
    "logistic": ("een eenvoudige logistische regressie", "a plain logistic regression"),
    "prior": ("het gemiddelde", "the average"),
    "segment-fixed": ("het vaste plan per segment", "the fixed plan per segment"),
    "best-fixed": ("het beste vaste plan", "the best fixed plan"),
    "champion": ("de huidige kampioen", "the current champion"),
    "ladder": ("de vaste ladder", "the fixed ladder"),
}
SENTENCES = {
    "auc": (
        "Rangschikt wie betaalt (AUC {candidate}) minstens zo goed als {reference} ({baseline}, "
        "marge {margin}).",
        "Ranks who pays (AUC {candidate}) at least as well as {reference} ({baseline}, margin "
        "{margin}).",
    ),
    "logloss": (
        "Voorspelt {model} (log loss {candidate}, lager is beter) niet slechter dan {reference} "
        "({baseline}, marge {margin}).",
        "Predicts {model} (log loss {candidate}, lower is better) no worse than {reference} "
        "({baseline}, margin {margin}).",
    ),
    "ope_unpaired": (  # a verdict from before session 13: the candidate's value against a constant
        "Op de vastgelegde beslissingen (n = {n}): de ondergrens van het 95%-interval van de "
        "opbrengst per beslissing ({low}; geschat {value}) boven die van het huidige beleid "
        "({logging}), bij een effectieve steekproef van {ess} (minstens {min_ess}).",
        "On the logged decisions (n = {n}): the lower end of the 95% interval of the return per "
        "decision ({low}; estimate {value}) above the current policy's ({logging}), on an "
        "effective sample of {ess} (at least {min_ess}).",
    ),
    "ope": (
        "Op de vastgelegde beslissingen (n = {n}): de ondergrens van het 95%-interval van de "
        "meeropbrengst per beslissing boven het huidige beleid ({low}; geschat {gain}: {value} "
        "tegen {logging}) boven nul, bij een effectieve steekproef van {ess} (minstens "
        "{min_ess}).",
        "On the logged decisions (n = {n}): the lower end of the 95% interval of the gain per "
        "decision over the current policy ({low}; estimate {gain}: {value} against {logging}) "
        "above zero, on an effective sample of {ess} (at least {min_ess}).",
    ),
    "replay": (
        "In {worlds} gesimuleerde wereld(en) per debiteur {mean} meer dan {reference}{interval}.",
        "In {worlds} simulated world(s) {mean} more per debtor than {reference}{interval}.",
    ),
    "limits": (
        "Klachten- en contactbudgetlimieten gehouden in {held} gesimuleerde werelden.",
        "Complaint and contact budget limits held in {held} simulated worlds.",
    ),
}


class GateWords:
    """Words for one page language (handed to the Models template as ``gate``)."""

    def __init__(self, language: str) -> None:
        self.lang = Lang(as_language(language))
        self.col = NL if self.lang.code == "nl" else EN

    def verdict(self, tag: str) -> str:
        return VERDICTS[tag][self.col] if tag in VERDICTS else tag

    def _euros(self, cents: Any) -> str:
        return self.lang.money(round(float(cents)))

    def _score(self, value: Any) -> str:
        return self.lang.number(float(value), 3)

    def check(self, c: GateCheck) -> str | None:
        """The check in words; None: not a check this module knows (show its own rule)."""
        f, name = c.figures, c.name
        try:
            if name == "pay_auc_vs_logistic":
                return self._say("auc", reference="logistic", candidate=self._score(
                    f["candidate"]), baseline=self._score(f["baseline"]), margin=self._score(
                    f["margin"]))  # fmt: skip
            if name.endswith(("_logloss_vs_logistic", "_logloss_vs_prior")):
                model, _, reference = name.partition("_logloss_vs_")
                return self._say(
                    "logloss", reference=reference, model=MODELS[model][self.col],
                    candidate=self._score(f["candidate"]), baseline=self._score(f["baseline"]),
                    margin=self.lang.percent(float(f["margin_share"]), 0),
                )  # fmt: skip
            if name == "ope_lower_bound_vs_logging":
                paired = "gain_ci95" in f
                low, _ = f["gain_ci95"] if paired else f["ci95"]
                return self._say(
                    "ope" if paired else "ope_unpaired", n=f["n"], low=self._euros(low),
                    gain=self._euros(f["gain"]) if paired else "",
                    value=self._euros(f["candidate"]),
                    logging=self._euros(f["logging"]),
                    ess=self.lang.number(float(f["effective_sample_size"]), 0),
                    min_ess=self.lang.number(float(f["min_effective_sample_size"]), 0),
                )  # fmt: skip
            if name.startswith("replay_vs_"):
                stats = f["eur_per_debtor"]
                interval = ""
                if stats.get("ci95"):
                    lo, hi = (self._euros(100 * x) for x in stats["ci95"])
                    interval = f" (95%: {lo} … {hi})"
                return self._say(
                    "replay", reference=name.removeprefix("replay_vs_"), worlds=stats["n"],
                    mean=self._euros(100 * stats["mean"]), interval=interval,
                )  # fmt: skip
            if name == "limits_held":
                return self._say("limits", held=f["held_in"])
        except (KeyError, TypeError, ValueError):  # figures of another shape: its own rule
            return None
        return None

    def _say(self, sentence: str, reference: str = "", **values: Any) -> str:
        words = REFERENCES.get(reference, (reference, reference))[self.col]
        return SENTENCES[sentence][self.col].format(reference=words, **values)
