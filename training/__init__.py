"""Training: LightGBM models (payment time, response to actions), MLflow tracking and registry,
honest evaluation (chronological hold-out, off-policy estimators, simulator replay) and the
promotion gate that moves the ``champion`` alias. Nothing but the CLI and its tests imports it.
"""
