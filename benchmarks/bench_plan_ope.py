"""Benchmark: off-policy estimates of plan policies against replay truth (``training.plan_ope``).

Writes ``benchmarks/results/plan_ope.json``: on the default world (seed 4242, 2,000 debtors x 120
days) IPS, SNIPS and DR of 21 candidate policies with ESS and 95 % intervals, each next to its
replay truth, and per estimator the Spearman rank correlation and the bias over the candidates.
"""

from training.plan_ope import main

if __name__ == "__main__":
    main()
