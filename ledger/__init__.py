"""The ledger: dunflow's system of record.

Creditors (tenants), debtors, invoices, payments, contacts, outcomes and the append-only dossier,
as SQLModel tables with Alembic migrations, plus the importers that fill them. SQLite by default,
PostgreSQL in production. The ledger imports nothing else from dunflow: every other package builds
on it, never the other way round.
"""

from ledger.db import get_engine, make_engine, session_scope
from ledger.settings import LedgerSettings, get_settings

__all__ = ["LedgerSettings", "get_engine", "get_settings", "make_engine", "session_scope"]
