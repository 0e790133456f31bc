"""Signed, expiring links to a report, for people without an API key (the digest e-mail, a
browser, a colleague).

A link is the report's path plus ``creditor``, ``exp`` (Unix seconds) and ``sig``: the hex
HMAC-SHA256, keyed with ``DUNFLOW_REPORTS_SECRET``, over ``path``, ``creditor`` and ``exp``. A
trailing ``.pdf`` is ignored when signing, so one link opens the page and its PDF. Other query
parameters (``lang``, ``as_of``) are not signed: they only choose how the same creditor's data is
shown. Never accept a link whose signature was compared other than in constant time.
"""

import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import urlencode

PDF_SUFFIX = ".pdf"


class LinkError(Exception):
    """The link is not valid; ``field`` names the query parameter at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field, self.problem = field, problem


def _canonical(path: str) -> str:
    return path[: -len(PDF_SUFFIX)] if path.endswith(PDF_SUFFIX) else path


def _expiry(expires_at: datetime | int) -> int:
    if isinstance(expires_at, datetime):
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        return int(expires_at.timestamp())
    return int(expires_at)


def sign(path: str, creditor_id: int, expires_at: datetime | int, *, secret: str) -> str:
    """The signature of a link to ``path`` for ``creditor_id`` valid until ``expires_at``."""
    if not secret:
        raise LinkError("sig", "signed links are not configured (set DUNFLOW_REPORTS_SECRET)")
    message = f"{_canonical(path)}\n{creditor_id}\n{_expiry(expires_at)}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    path: str,
    creditor_id: int,
    expires_at: int,
    sig: str,
    *,
    secret: str,
    now: datetime | None = None,
) -> None:
    """Raise :class:`LinkError` unless ``sig`` is the valid, unexpired signature."""
    expected = sign(path, creditor_id, expires_at, secret=secret)
    if not hmac.compare_digest(expected, sig.strip().lower()):
        raise LinkError("sig", "the link's signature does not match (altered or not ours)")
    moment = now or datetime.now(UTC)
    if moment.timestamp() >= expires_at:
        when = datetime.fromtimestamp(expires_at, UTC).isoformat()
        raise LinkError("exp", f"the link expired at {when}; ask for a new one")


def signed_query(path: str, creditor_id: int, expires_at: datetime | int, *, secret: str) -> str:
    """``creditor=…&exp=…&sig=…`` for ``path``."""
    exp = _expiry(expires_at)
    sig = sign(path, creditor_id, exp, secret=secret)
    return urlencode({"creditor": creditor_id, "exp": exp, "sig": sig})


def signed_url(
    base_url: str, path: str, creditor_id: int, expires_at: datetime | int, *, secret: str
) -> str:
    """The full link: ``base_url`` (scheme and host, no trailing slash) + path + signed query."""
    query = signed_query(path, creditor_id, expires_at, secret=secret)
    return f"{base_url.rstrip('/')}{path}?{query}"
