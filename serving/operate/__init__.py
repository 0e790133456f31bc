"""Running dunflow as a creditor without SQL: settings, segments and dossier actions.

Shared by the API routes (``serving/api/routes/creditors.py``, ``segments.py``, ``dossiers.py``)
and the CLI (``dunflow creditor|segment|dossier``), so both validate with the same pydantic models
(:mod:`policy.creditor_config`, :mod:`policy.segments`) and write the same dossier events. Each
change is one transaction's worth of work added to the caller's session; the caller commits.
"""
