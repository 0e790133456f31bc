"""Off-policy estimators (IPS, SNIPS, doubly robust): declared in :mod:`policy.ope`, where serving
reads them too (the web app's Models page estimates a creditor's own flow), and named here for
the training side."""

from policy.ope import (
    Z95,
    Estimate,
    all_estimates,
    doubly_robust,
    gain_of,
    importance_weights,
    ips,
    snips,
)

__all__ = [
    "Z95",
    "Estimate",
    "all_estimates",
    "doubly_robust",
    "gain_of",
    "importance_weights",
    "ips",
    "snips",
]
