"""Why a plan was chosen: against waiting and against the runner-up, in euros, costs and complaint
risk, from the model that decided, in the client's language (``en`` or ``nl``).

For one checkpoint (a state row) the plan model gives each candidate's expected parts over the
episode; :func:`explain_plan` states the chosen plan's figures, what it gains over waiting and over
the runner-up (collected, cost, complaint risk, net on the creditor's objective), and the debtor
facts that drive that gain most: SHAP values of the model's parts, combined with the objective's
weights, for the chosen arm minus the other (only the share that differs between arms is
computed: :meth:`PlanValueModel.contributions_of` with ``apart``; the parts themselves are the
model's predictions, e.g. those the decision made). Figures are told as amounts and differences
with their direction in words, never as a bare negative "value". ``STATE_TEXT`` holds the
description of every simulator state feature the model may use; a model over the ledger's plan
state (``features.plan_state``, ``ledger_terms=True``) is described with the feature specs' own
words (:mod:`features.specs`) and ``STATE_TEXT`` for the checkpoint's features.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from features.plan_state import EXPECTED_DAYS_LATE
from features.specs import REGISTRY
from policy.plan_choice import PlanObjective
from policy.plan_model import ARM_COLUMNS, COMPONENTS, PlanValueModel, one_row

F = NDArray[np.float64]
NEVER_DAYS = 365  # the state caps "days since the last contact" here: never contacted

_CH = {"email": "e-mail", "sms": "SMS", "letter": "letter", "phone": "phone call",
       "robocall": "robocall"}  # fmt: skip
_CH_NL = {"email": "e-mail", "sms": "sms", "letter": "brief", "phone": "telefoongesprek",
          "robocall": "robocall"}  # fmt: skip
_TN_NL = {"friendly": "vriendelijk", "neutral": "neutraal", "firm": "streng"}
_PER = {
    "reach_": ("contacts by {c} that reached the debtor: {v:.0%}",
               "contacten per {c} die de debiteur bereikten: {v:.0%}"),
    "paid_after_": ("payments within a week of a {c} contact: {v:.0%}",
                    "betalingen binnen een week na contact per {c}: {v:.0%}"),
}  # fmt: skip
STATE_TEXT: dict[str, tuple[str, str]] = {
    "segment": ("the debtor's segment (creditor, business or consumer)",
                "het segment van de debiteur (opdrachtgever, zakelijk of particulier)"),
    "creditor": ("the creditor", "de opdrachtgever"),
    "b2c": ("a consumer: {v:.0f} (1 = yes)", "een particulier: {v:.0f} (1 = ja)"),
    "log_overdue_eur": ("the open overdue amount", "het openstaande achterstallige bedrag"),
    "n_overdue": ("{v:.0f} overdue invoice(s)", "{v:.0f} achterstallige factuur/facturen"),
    "dpd": ("{v:.0f} days past the oldest due date", "{v:.0f} dagen na de oudste vervaldatum"),
    "stage": ("dunning stage {v:.0f}", "aanmaningsfase {v:.0f}"),
    "episode_contacts": ("{v:.0f} contact(s) about these invoices",
                         "{v:.0f} contact(en) over deze facturen"),
    "days_since_contact": ("{v:.0f} days since the last contact",
                           "{v:.0f} dagen sinds het laatste contact"),
    "prior_paid": ("{v:.0f} invoice(s) paid before", "{v:.0f} eerder betaalde factuur/facturen"),
    "prior_mean_dpd": ("paid earlier invoices {v:.0f} days late on average",
                       "betaalde eerdere facturen gemiddeld {v:.0f} dagen te laat"),
    "contacts_recent": ("{v:.0f} contact(s) in the last 14 days",
                        "{v:.0f} contact(en) in de laatste 14 dagen"),
    "contacts_total": ("{v:.0f} contact(s) in total", "{v:.0f} contact(en) in totaal"),
    "promises": ("{v:.0f} promise(s) to pay", "{v:.0f} betalingsbelofte(n)"),
    "promises_kept": ("{v:.0f} promise(s) kept", "{v:.0f} nagekomen belofte(n)"),
    "promises_broken": ("{v:.0f} broken promise(s)", "{v:.0f} gebroken belofte(n)"),
    "complaints": ("{v:.0f} complaint(s)", "{v:.0f} klacht(en)"),
    "disputes": ("{v:.0f} dispute(s)", "{v:.0f} betwisting(en)"),
    EXPECTED_DAYS_LATE: ("the payment-time model expects the oldest overdue invoice paid "
                         "{v:.0f} days late",
                         "het betaaltijdmodel verwacht de oudste achterstallige factuur "
                         "{v:.0f} dagen te laat betaald"),
}  # fmt: skip


def describe_feature(name: str, value: float, lang: str) -> str:
    """A state feature and its value in plain words (``lang``: en or nl)."""
    nl = lang == "nl"
    for prefix, texts in _PER.items():
        if name.startswith(prefix):
            key = name.removeprefix(prefix)
            c = (_CH_NL if nl else _CH).get(key, _TN_NL.get(key, key) if nl else key)
            if np.isnan(value):
                return ("nog geen contact per {c}" if nl else "no {c} contact yet").format(c=c)
            return texts[nl].format(c=c, v=value)
    if name == EXPECTED_DAYS_LATE and np.isnan(value):
        return (
            "geen verwachting van het betaaltijdmodel (niets achterstallig of geen model)"
            if nl
            else "no payment-time estimate (nothing overdue, or no model)"
        )
    if name == "days_since_contact" and value >= NEVER_DAYS:
        return "nog nooit gecontacteerd" if nl else "never contacted before"
    if name == "prior_mean_dpd" and value < 0:
        return (
            f"betaalde eerdere facturen gemiddeld {-value:.0f} dagen te vroeg"
            if nl
            else f"paid earlier invoices {-value:.0f} days early on average"
        )
    en, dutch = STATE_TEXT[name]
    text = dutch if nl else en
    return text.format(v=value) if "{v" in text else text


def describe_ledger_feature(name: str, value: object, lang: str) -> str:
    """A ledger plan-state feature and its value in plain words."""
    if name in REGISTRY:
        shown: object = "unknown" if value is None or value != value else value
        if isinstance(shown, (np.floating, np.integer, np.bool_)):
            shown = shown.item()
        return REGISTRY[name].describe(shown, lang)
    return describe_feature(name, float(value), lang)  # type: ignore[arg-type]


def plan_text(arm: Mapping[str, object], channels: Sequence[str], tones: Sequence[str],
              lang: str) -> str:  # fmt: skip
    """An arm (row of the arm table) in words."""
    nl = lang == "nl"
    if int(arm["plan_wait"]):  # type: ignore[call-overload]
        return "wachten tot het volgende moment" if nl else "waiting until the next checkpoint"
    ch = channels[int(arm["plan_channel"])]  # type: ignore[call-overload]
    tn = tones[int(arm["plan_tone"])]  # type: ignore[call-overload]
    every = int(arm["plan_every"])  # type: ignore[call-overload]
    if nl:
        return f"{_CH_NL.get(ch, ch)}, {_TN_NL.get(tn, tn)}, elke {every} dagen"
    return f"{_CH.get(ch, ch)}, {tn}, every {every} days"


@dataclass(frozen=True)
class Comparison:
    other: str
    collected_eur: float  # chosen minus other
    cost_eur: float
    complaint_risk: float  # expected complaints, chosen minus other
    net_eur: float  # on the creditor's objective
    drivers: list[tuple[str, float]]  # (fact in words, EUR of the net gain it accounts for)


@dataclass(frozen=True)
class PlanExplanation:
    plan: str
    collected_eur: float
    cost_eur: float
    complaint_risk: float
    versus: list[Comparison]
    text: str


def _eur(x: float) -> str:
    return f"€{abs(x):,.0f}"


def _line(c: Comparison, lang: str) -> str:
    """One comparison in words: each difference as an amount with its direction."""
    nl = lang == "nl"
    up = [c.collected_eur >= 0, c.cost_eur >= 0, c.complaint_risk >= 0, c.net_eur >= 0]
    risk = f"{abs(c.complaint_risk):.1%}"
    if nl:
        w = [("meer", "minder"), ("meer", "minder"), ("hoger", "lager"), ("beter", "slechter")]
        d = [a if u else b for u, (a, b) in zip(up, w, strict=True)]
        return (
            f"tegenover {c.other}: {_eur(c.collected_eur)} {d[0]} geïnd, "
            f"{_eur(c.cost_eur)} {d[1]} kosten, klachtkans {risk} {d[2]}; "
            f"per saldo {_eur(c.net_eur)} {d[3]}"
        )
    w = [("more", "less"), ("more", "less"), ("higher", "lower"), ("better", "worse")]
    d = [a if u else b for u, (a, b) in zip(up, w, strict=True)]
    return (
        f"against {c.other}: {_eur(c.collected_eur)} {d[0]} collected, "
        f"{_eur(c.cost_eur)} {d[1]} in contact costs, a complaint risk {risk} {d[2]}; "
        f"on balance {_eur(c.net_eur)} {d[3]}"
    )


def _told(name: str, value: object, lang: str, ledger_terms: bool) -> str:
    if ledger_terms:
        return describe_ledger_feature(name, value, lang)
    return describe_feature(name, float(value), lang)  # type: ignore[arg-type]


def _value(row: pd.DataFrame, column: str) -> object:
    """The first row's value in ``column``: read in place (``row[column]`` builds a Series, ~15 us
    a driver of an answer's six)."""
    at = row.columns.get_loc(column)
    assert isinstance(at, int)  # the state's columns are unique
    return row.iat[0, at]


def explain_plan(
    model: PlanValueModel,
    objective: PlanObjective,
    state_row: pd.DataFrame,
    chosen: int,
    others: Sequence[int],
    channels: Sequence[str],
    tones: Sequence[str],
    *,
    lang: str = "en",
    top: int = 3,
    ledger_terms: bool = False,
    encoded: F | None = None,
    parts: F | None = None,
) -> PlanExplanation:
    """Why ``chosen`` over each of ``others`` (e.g. waiting and the runner-up) for one state
    (``encoded``: the row's :meth:`PlanValueModel.state_matrix`, when the caller keeps one;
    ``parts``: the row's [arm, component] :meth:`PlanValueModel.predict` over every arm, NaN
    for arms not scored, when the caller made it)."""
    weights = objective.value(np.eye(len(COMPONENTS)))  # EUR per unit of each part
    compared = [chosen, *others]
    if parts is None or np.isnan(parts[compared]).any():
        parts = model.predict(one_row(state_row), compared, encoded=encoded)[0]
    else:
        parts = parts[compared]  # [arm, component]
    # SHAP of every compared plan in one pass, of the parts that are weighed (a part with no
    # weight, the contact count, adds exactly nothing to the net gain) and of the trees that
    # tell the arms apart: what the other trees and the baselines give cancels in the gain
    weighed = [c for j, c in enumerate(COMPONENTS) if weights[j] != 0.0]
    got = model.contributions_of(state_row, compared, encoded=encoded, components=weighed,
                               apart=True)  # fmt: skip
    blank = np.zeros((len(compared), len(model.columns) + 1))
    shap = np.stack([got.get(c, blank) for c in COMPONENTS])
    name = plan_text(model.arm_features[chosen], channels, tones, lang)
    shap_c = shap[:, 0, :]
    cols = [*model.state_features, *ARM_COLUMNS]
    told = (
        (lambda c: c in REGISTRY or c in STATE_TEXT)
        if ledger_terms
        else (lambda c: c in STATE_TEXT or c.startswith(tuple(_PER)))
    )
    tellable = [i for i, c in enumerate(cols) if told(c)]  # the same for every comparison
    versus = []
    for j, other in enumerate(others, start=1):
        d = parts[0] - parts[j]
        gain = weights @ (shap_c - shap[:, j, :])  # per column, EUR of the net difference
        ranked = sorted(tellable, key=lambda i: -abs(gain[i]))
        drivers = [
            (_told(cols[i], _value(state_row, cols[i]), lang, ledger_terms), float(gain[i]))
            for i in ranked[:top]
            if gain[i] != 0.0
        ]
        versus.append(
            Comparison(
                plan_text(model.arm_features[other], channels, tones, lang),
                float(d[0]),
                float(d[1]),
                float(d[2]),
                float(objective.value(d)),
                drivers,
            )
        )
    nl = lang == "nl"
    head = (
        f"{name}: verwacht {_eur(parts[0, 0])} geïnd voor {_eur(parts[0, 1])} contactkosten, "
        f"klachtkans {parts[0, 2]:.1%}."
        if nl
        else f"{name}: expected {_eur(parts[0, 0])} collected for {_eur(parts[0, 1])} in contact "
        f"costs, complaint risk {parts[0, 2]:.1%}."
    )
    because = "vooral door" if nl else "mostly because of"
    lines = [head]
    for c in versus:
        why = "; ".join(t for t, _ in c.drivers)
        lines.append(f"{_line(c, lang)} ({because}: {why})." if why else f"{_line(c, lang)}.")
    return PlanExplanation(
        name, float(parts[0, 0]), float(parts[0, 1]), float(parts[0, 2]), versus, " ".join(lines)
    )
