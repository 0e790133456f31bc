"""Feature tables on disk: Parquet under ``<data_dir>/processed/`` with a schema version.

The version is in the file name (``payment_time.v1.parquet``) and, with a fingerprint of the spec
registry (names, dtypes, categories), in the Parquet metadata, so a reader can refuse a table built
by other code. Bump :data:`SCHEMA_VERSION` when a feature changes meaning; adding a feature changes
the fingerprint only. This module writes files; it never touches the ledger.
"""

import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from features.specs import FEATURES
from ledger.settings import get_settings

SCHEMA_VERSION = 1
_META_VERSION = b"dunflow.schema_version"
_META_FINGERPRINT = b"dunflow.schema_fingerprint"


class SchemaVersionError(ValueError):
    """A feature table was written under another schema version."""


def schema_fingerprint() -> str:
    """A short hash of the registry's names, dtypes and categories."""
    spec = [[s.name, s.dtype, list(s.categories)] for s in FEATURES]
    return hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:12]


def feature_table_path(name: str, data_dir: Path | None = None) -> Path:
    base = data_dir if data_dir is not None else get_settings().data_dir
    return base / "processed" / f"{name}.v{SCHEMA_VERSION}.parquet"


def write_feature_table(table: pd.DataFrame, name: str, *, data_dir: Path | None = None) -> Path:
    """Write ``table`` as ``<data_dir>/processed/<name>.v<SCHEMA_VERSION>.parquet``."""
    path = feature_table_path(name, data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    meta[_META_VERSION] = str(SCHEMA_VERSION).encode()
    meta[_META_FINGERPRINT] = schema_fingerprint().encode()
    pq.write_table(arrow.replace_schema_metadata(meta), path)
    return path


def read_feature_table(path: Path) -> pd.DataFrame:
    """Read a feature table, refusing one written under another schema version."""
    meta = pq.read_schema(path).metadata or {}
    version = meta.get(_META_VERSION, b"?").decode()
    if version != str(SCHEMA_VERSION):
        raise SchemaVersionError(f"{path} has schema version {version}, expected {SCHEMA_VERSION}")
    table: pd.DataFrame = pq.read_table(path).to_pandas()
    return table
