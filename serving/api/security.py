"""API keys: made once, shown once, stored as SHA-256, compared in constant time.

A key looks like ``dfk_<prefix>_<secret>``; the prefix finds the row, the hash of the whole key
proves it. Keys are 256-bit random, so a fast hash is enough (no password stretching needed).
The secret itself is never stored and never logged: it exists only in the return value of
:func:`create_api_key` / :func:`rotate`. A key is revoked by its prefix (what ``dunflow apikey
list`` shows); rotating makes a new key for the same creditor and rights and revokes the old one
in the same transaction, so there is never a moment with two live keys or none.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.tables import ApiKey
from ledger.types import utcnow

KEY_PREFIX = "dfk"
# a Core statement built once: every request authenticates, and the ORM's per-query work would
# cost more than the hash
_BY_PREFIX = sa.select(
    col(ApiKey.id),
    col(ApiKey.creditor_id),
    col(ApiKey.is_admin),
    col(ApiKey.key_hash),
    col(ApiKey.revoked_at),
).where(col(ApiKey.prefix) == sa.bindparam("prefix"))


@dataclass(frozen=True)
class Principal:
    """Who is calling: one creditor's key, or an admin key (creditor_id None)."""

    key_id: int
    creditor_id: int | None
    is_admin: bool


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(
    session: Session, *, creditor_id: int | None, is_admin: bool = False, label: str | None = None
) -> str:
    if creditor_id is None and not is_admin:
        raise ValueError("a non-admin key must belong to a creditor")
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    session.add(
        ApiKey(
            creditor_id=creditor_id,
            is_admin=is_admin,
            prefix=prefix,
            key_hash=_digest(key),
            label=label,
        )
    )
    return key


def authenticate(session: Session, key: str) -> Principal | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        # still hash, so a malformed key costs what a wrong one costs
        hmac.compare_digest(_digest(key), _digest("x"))
        return None
    row = session.connection().execute(_BY_PREFIX, {"prefix": parts[1]}).first()
    expected = row.key_hash if row is not None else _digest("x")
    ok = hmac.compare_digest(_digest(key), expected)
    if row is None or not ok or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, creditor_id=row.creditor_id, is_admin=bool(row.is_admin))


def revoke(session: Session, key_id: int) -> None:
    row = session.get(ApiKey, key_id)
    if row is not None:
        row.revoked_at = utcnow()
        session.add(row)


class UnknownKeyError(LookupError):
    """No live key with that prefix (never existed, or already revoked)."""


def prefix_of(key_or_prefix: str) -> str:
    """The prefix of ``dfk_<prefix>_<secret>``, or the argument when it already is a prefix."""
    parts = key_or_prefix.strip().split("_", 2)
    return parts[1] if len(parts) == 3 and parts[0] == KEY_PREFIX else key_or_prefix.strip()


def find_key(session: Session, key_or_prefix: str) -> ApiKey:
    """The live key with this prefix (a whole key is accepted too: only its prefix is used)."""
    prefix = prefix_of(key_or_prefix)
    row = session.exec(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if row is None:
        raise UnknownKeyError(f"no API key with prefix {prefix!r} (see `dunflow apikey list`)")
    if row.revoked_at is not None:
        when = f"{row.revoked_at:%Y-%m-%d %H:%M} UTC"
        raise UnknownKeyError(f"API key {prefix!r} was already revoked at {when}")
    return row


def revoke_key(session: Session, key_or_prefix: str) -> ApiKey:
    """Revoke a live key; from the commit on it gets 401 (nothing caches a key)."""
    row = find_key(session, key_or_prefix)
    row.revoked_at = utcnow()
    session.add(row)
    return row


def rotate(session: Session, key_or_prefix: str) -> str:
    """A new key with the old one's creditor, rights and label; the old one is revoked."""
    old = revoke_key(session, key_or_prefix)
    return create_api_key(
        session, creditor_id=old.creditor_id, is_admin=old.is_admin, label=old.label
    )


def list_keys(session: Session) -> list[ApiKey]:
    """Every key (live and revoked), oldest first; no secret is stored, so none is shown."""
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.id))).all())
