"""Users: argon2 hashes, log-in, the rate limit and the audit of every attempt."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from ledger.tables import LoginAttempt, User
from serving.webapp.users import (
    Limits,
    LoginRefusedError,
    UserError,
    create_user,
    log_in,
    reset_password,
    session_stamp,
)
from tests import factories

LIMITS = Limits(attempts=5, window=timedelta(minutes=15))


def _user(session: Session, email: str = " Anna@Example.NL ", creditor_id: int = 0) -> User:
    if not creditor_id:
        creditor_id = factories.creditor(session).id or 0
    return create_user(
        session,
        creditor_id=creditor_id,
        email=email,
        name="Anna",
        role="finance",
        password="a long enough password",
    )


def _try(session: Session, email: str, password: str, ip: str = "1.2.3.4") -> User:
    return log_in(session, email=email, password=password, ip=ip, limits=LIMITS)


def test_only_a_hash_is_stored_and_it_verifies(session: Session) -> None:
    user = _user(session)
    assert user.email == "anna@example.nl"
    assert "a long enough password" not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    got = _try(session, "ANNA@example.nl", "a long enough password", "1.2.3.4")
    assert got.id == user.id
    assert session.exec(select(LoginAttempt.outcome)).all() == ["ok"]


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("password", {"password": "short"}),
        ("role", {"role": "boss"}),
        ("email", {"email": "not-an-address"}),
        ("language", {"language": "de"}),
    ],
)
def test_bad_input_names_the_field(session: Session, field: str, kwargs: dict[str, str]) -> None:
    creditor = factories.creditor(session)
    assert creditor.id is not None
    values = {"email": "x@y.nl", "name": "X", "role": "finance", "password": "0123456789"}
    with pytest.raises(UserError) as err:
        create_user(session, creditor_id=creditor.id, **{**values, **kwargs})  # type: ignore[arg-type]
    assert err.value.field == field


def test_the_same_address_twice_is_refused(session: Session) -> None:
    user = _user(session)
    with pytest.raises(UserError, match="exists already"):
        _user(session, "anna@example.nl", user.creditor_id)


def test_failed_logins_are_limited_per_address_and_ip(session: Session) -> None:
    _user(session)
    for _ in range(LIMITS.attempts):
        with pytest.raises(LoginRefusedError) as err:
            _try(session, "anna@example.nl", "wrong", "1.2.3.4")
        assert not err.value.limited
    with pytest.raises(LoginRefusedError) as err:  # even the right password: the limit holds
        _try(session, "anna@example.nl", "a long enough password", "1.2.3.4")
    assert err.value.limited
    # another IP is not limited by these
    _try(session, "anna@example.nl", "a long enough password", "5.6.7.8")
    outcomes = session.exec(select(LoginAttempt.outcome).order_by(LoginAttempt.id)).all()  # type: ignore[arg-type]
    assert outcomes == ["bad_password"] * 5 + ["limited", "ok"]


def test_unknown_user_is_audited_without_a_creditor(session: Session) -> None:
    with pytest.raises(LoginRefusedError):
        _try(session, "nobody@example.nl", "not a password of anyone", "1.1.1.1")
    row = session.exec(select(LoginAttempt)).one()
    assert (row.outcome, row.creditor_id, row.user_id) == ("unknown_user", None, None)


def test_reset_changes_the_session_stamp(session: Session) -> None:
    user = _user(session)
    before = session_stamp(user)
    reset_password(session, "anna@example.nl", "another long password")
    assert session_stamp(user) != before
    with pytest.raises(LoginRefusedError):
        _try(session, "anna@example.nl", "a long enough password", "1.2.3.4")
    with pytest.raises(UserError, match="no user"):
        reset_password(session, "ghost@example.nl", "another long password")
