"""The batch engine: one day's decisions for every debtor of the ledger, bucket by bucket, either
in this process or on Apache Spark (the only package that imports pyspark).

Both engines run the same pandas code per bucket of debtors (:mod:`batch.day`): the bucket's
ledger rows → the flow states and candidates the daily cycle would use → features as of the day
(response rates pooled over the whole creditor) → :func:`policy.decision_path.decide_for` with the
champion pinned to one version. Writing back (:mod:`batch.writeback`) is idempotent: ids derive
from (creditor, day, debtor, model version), contacts go through the outbox's unique key.
"""
