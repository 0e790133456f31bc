"""When a dunning plan is chosen again and when it first acts, in days past the oldest due date.

Declared here, once, because two plan clocks read them and may not import each other: the
simulator's (:mod:`simulator.checkpoints`, replay and the plan learner's histories) and the
ledger debtor's (:mod:`policy.plan_clock`, the scoring API, the scheduler and the batch engine).
A plan learnt in one must be served by the same rules in the other. Numbers only: what a
checkpoint is and what a plan does between them are those two modules' to say.
"""

STAGE_DPD: tuple[int, ...] = (0, 14, 28, 42, 56, 70)
"""Days past due at which a new stage starts (and a plan is chosen again)."""
FIRST_DPD = 3
"""A plan's first contact: this many days past the oldest due date."""
