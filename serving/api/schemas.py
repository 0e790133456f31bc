"""Request and response bodies of the scoring API (pydantic)."""
