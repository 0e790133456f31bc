"""Ledger importers: generic CSV, SAP FI-AR exports, CAMT.053 bank statements, IBM sample."""
