"""Who may see what: the one permission check of the web app (user → creditor → role).

Every ``/app`` route names its area (:data:`AREAS`) through :func:`serving.webapp.deps.needs`;
the navigation shows only the areas a role may open. Tenancy is not decided here but by the data:
every query of a page is scoped to the user's creditor (a row of another creditor is a 404).
"""

from ledger.enums import UserRole

_ALL = frozenset(UserRole)
_OFFICE = frozenset({UserRole.FINANCE, UserRole.ADMIN})

AREAS: dict[str, frozenset[UserRole]] = {
    "overview": _ALL,
    "debtors": _ALL,
    "dossier": _ALL,
    "act": _OFFICE,  # pause, dispute, promise, note, send now, hand off
    "calls": _ALL,
    "settings": _OFFICE,
    "segments": _OFFICE,
    "models": _OFFICE,
    "reports": _OFFICE,
}
# the navigation, in order: (area, path)
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("overview", "/app"),
    ("debtors", "/app/debtors"),
    ("calls", "/app/calls"),
    ("settings", "/app/settings"),
    ("segments", "/app/segments"),
    ("models", "/app/models"),
    ("reports", "/app/reports"),
)


def may(role: str, area: str) -> bool:
    return UserRole(role) in AREAS[area]
