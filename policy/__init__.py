"""The policy: which actions are allowed (the rules no model may break), what each is worth, and
which one to take, with its propensity and an explanation.

Rules (collection law, contact windows, flow state, the fixed ladder) are never learned and never
overridden. The policy imports features and the ledger only. The rules half's public API:

* :class:`DebtorState` (plain data) and :func:`state_from_ledger` to build one from the ledger;
* :func:`allowed_actions` ``(state, now) -> list[Action]`` — waiting is always the first;
* :func:`check` ``(action, state) -> Verdict`` — ``ok`` and the reasons for any refusal;
* :func:`ladder_action` ``(state, now) -> Action`` — the fixed ladder (baseline and fallback).
"""

from policy.actions import Action, Verdict
from policy.candidates import allowed_actions
from policy.flow_state import CreditorSettings, DebtorState, OpenInvoice, RulesConfig
from policy.guardrails import check
from policy.ladder import DEFAULT_LADDER, LadderLevel, ladder_action
from policy.ledger_state import state_from_ledger, states_from_ledger

__all__ = [
    "DEFAULT_LADDER",
    "Action",
    "CreditorSettings",
    "DebtorState",
    "LadderLevel",
    "OpenInvoice",
    "RulesConfig",
    "Verdict",
    "allowed_actions",
    "check",
    "ladder_action",
    "state_from_ledger",
    "states_from_ledger",
]
