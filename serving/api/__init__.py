"""The FastAPI scoring API: next action per debtor, outcomes, admin, health and metrics."""
