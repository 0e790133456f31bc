"""The simulator: a seeded synthetic world of creditors, debtors and invoices whose true response
to every action (channel, tone, timing) is known.

It is the yardstick for every claim that a learned flow beats the fixed ladder, the demo's data and
the referee in replay. Its numbers are assumptions (see simulator/README.md), never facts.
It writes through the ledger's own code and imports nothing but the ledger.
"""

from simulator.actions import ACTIONS, WAIT, Action, action_index
from simulator.config import ARCHETYPES, SimConfig
from simulator.params import ResponseParams
from simulator.policies import DebtorPolicy, DebtorView, Decision, PerDebtor, Policy
from simulator.registry import make_policy, register_policy
from simulator.replay import replay
from simulator.views import DecisionBatch, Decisions
from simulator.world import TrueResponse, World

__all__ = [
    "ACTIONS",
    "ARCHETYPES",
    "WAIT",
    "Action",
    "DebtorPolicy",
    "DebtorView",
    "Decision",
    "DecisionBatch",
    "Decisions",
    "PerDebtor",
    "Policy",
    "ResponseParams",
    "SimConfig",
    "TrueResponse",
    "World",
    "action_index",
    "make_policy",
    "register_policy",
    "replay",
]
