"""Web-app users: create, reset a password, log in (argon2 hashes, rate-limited, audited).

A log-in is refused with :class:`LoginRefusedError` (``limited`` True means: too many failed
attempts for this e-mail address from this IP in the window; the caller answers 429). Every attempt
is a :class:`~ledger.tables.LoginAttempt` row, the audit. Only the argon2 hash of a password is
stored; this module must never log or return a password.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from ledger.enums import UserRole
from ledger.tables import LoginAttempt, User
from ledger.types import utcnow

MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id, RFC 9106's low-memory profile (t=3, 64 MiB)
# verified against when the e-mail is unknown, so an unknown user costs what a wrong password does
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash with other argon2 parameters from now on (the tests use the cheapest)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("not a password of anyone")


class UserError(ValueError):
    """Bad input for a user; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class LoginRefusedError(Exception):
    def __init__(self, *, limited: bool) -> None:
        super().__init__("too many failed log-ins" if limited else "wrong e-mail or password")
        self.limited = limited


@dataclass(frozen=True)
class Limits:
    attempts: int
    window: timedelta


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError("password", f"at least {MIN_PASSWORD} characters")
    return password


def normal_email(email: str) -> str:
    address = email.strip().lower()
    if "@" not in address or len(address) > 254:
        raise UserError("email", f"{email!r} is not an e-mail address")
    return address


def by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(
    session: Session,
    *,
    creditor_id: int,
    email: str,
    name: str,
    role: str,
    password: str,
    language: str = "nl",
) -> User:
    address = normal_email(email)
    if role not in {r.value for r in UserRole}:
        raise UserError("role", f"{role!r}: one of {', '.join(r.value for r in UserRole)}")
    if language not in ("nl", "en"):
        raise UserError("language", f"{language!r}: nl or en")
    if by_email(session, address) is not None:
        raise UserError("email", f"a user {address} exists already")
    user = User(
        creditor_id=creditor_id,
        email=address,
        name=name.strip() or address,
        role=role,
        language=language,
        password_hash=_hasher.hash(_checked_password(password)),
    )
    session.add(user)
    session.flush()
    return user


def reset_password(session: Session, email: str, password: str) -> User:
    """A new password; sessions signed with the old one end (see :func:`session_stamp`)."""
    user = by_email(session, email)
    if user is None:
        raise UserError("email", f"no user {email.strip().lower()}")
    user.password_hash = _hasher.hash(_checked_password(password))
    user.password_changed_at = utcnow()
    session.add(user)
    return user


def session_stamp(user: User) -> str:
    """What a session remembers of the password it was opened with: a reset ends the session."""
    return f"{user.password_changed_at.timestamp():.6f}"


def _failures(session: Session, email: str, ip: str, since: datetime) -> int:
    count = session.exec(
        select(func.count()).where(
            LoginAttempt.email == email,
            LoginAttempt.ip == ip,
            col(LoginAttempt.outcome) != "ok",
            col(LoginAttempt.at) >= since,
        )
    ).one()
    return int(count)


def log_in(session: Session, *, email: str, password: str, ip: str, limits: Limits) -> User:
    """The user whose e-mail and password these are; every attempt is recorded (the caller
    commits, also on a refusal)."""
    address = email.strip().lower()[:254]
    now = utcnow()
    attempt = LoginAttempt(email=address, ip=ip[:64], outcome="ok", at=now)
    session.add(attempt)
    if _failures(session, address, attempt.ip, now - limits.window) >= limits.attempts:
        attempt.outcome = "limited"
        raise LoginRefusedError(limited=True)
    user = by_email(session, address)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        attempt.outcome = "bad_password"
    if user is None:
        attempt.outcome = "unknown_user"
    else:
        attempt.user_id, attempt.creditor_id = user.id, user.creditor_id
    if user is None or attempt.outcome != "ok":
        raise LoginRefusedError(limited=False)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.add(user)
    return user
