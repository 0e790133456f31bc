"""Point-in-time features: each debtor's and invoice's payment history as of any moment.

Every feature is declared once in ``features/specs.py`` and computed from events strictly before
its as-of timestamp; the same builders make training rows and live rows. Features import only the
ledger and must never look at the future.

Public API::

    frames = load_frames(engine, creditor="Acme")   # ledger -> frames
    rows = build_features(frames, requests)         # debtor_id, as_of, invoice_id?, channel?, ...
    table = payment_time_table(frames)              # every invoice as of its issue date, + labels
    write_feature_table(table, "payment_time")      # data/processed/payment_time.v1.parquet
"""

from features.build import build_features
from features.loading import LedgerFrames, load_frames
from features.specs import FEATURES, REGISTRY, Entity, FeatureSpec, feature_names, get_spec
from features.store import SCHEMA_VERSION, read_feature_table, write_feature_table
from features.training_set import (
    decision_requests,
    invoice_issue_requests,
    payment_time_labels,
    payment_time_table,
)

__all__ = [
    "FEATURES",
    "REGISTRY",
    "SCHEMA_VERSION",
    "Entity",
    "FeatureSpec",
    "LedgerFrames",
    "build_features",
    "decision_requests",
    "feature_names",
    "get_spec",
    "invoice_issue_requests",
    "load_frames",
    "payment_time_labels",
    "payment_time_table",
    "read_feature_table",
    "write_feature_table",
]
