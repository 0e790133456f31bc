"""The policy: which actions are allowed (the rules no model may break), what each is worth, and
which one to take, with its propensity and an explanation.

Rules (collection law, contact windows, flow state, the fixed ladder) are never learned and never
overridden. The policy imports features and the ledger only.
"""
