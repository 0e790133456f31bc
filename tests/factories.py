"""Factories for ledger rows in tests: sensible defaults, override what the test is about."""

from datetime import date
from itertools import count
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session

from features.specs import FEATURES
from ledger.tables import Creditor, Debtor, Invoice

_seq = count(1)


def creditor(session: Session, **kw: Any) -> Creditor:
    row = Creditor(name=kw.pop("name", f"Creditor {next(_seq)}"), iban="NL91ABNA0417164300", **kw)
    session.add(row)
    session.flush()
    return row


def debtor(session: Session, creditor: Creditor, **kw: Any) -> Debtor:
    n = next(_seq)
    row = Debtor(
        creditor_id=creditor.id,
        external_id=kw.pop("external_id", f"D{n:05d}"),
        name=kw.pop("name", f"Debtor {n}"),
        email=kw.pop("email", f"debtor{n}@example.org"),
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def invoice(session: Session, debtor: Debtor, **kw: Any) -> Invoice:
    n = next(_seq)
    amount = kw.pop("amount_cents", 10_000)
    row = Invoice(
        creditor_id=debtor.creditor_id,
        debtor_id=debtor.id,
        number=kw.pop("number", f"INV-{n:06d}"),
        issue_date=kw.pop("issue_date", date(2026, 1, 1)),
        due_date=kw.pop("due_date", date(2026, 1, 31)),
        amount_cents=amount,
        open_amount_cents=kw.pop("open_amount_cents", amount),
        **kw,
    )
    session.add(row)
    session.flush()
    return row


def synthetic_base(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Random debtor feature rows of the declared dtypes and levels."""
    data: dict[str, object] = {}
    for spec in FEATURES:
        if spec.dtype == "category":
            cats = list(spec.categories) or ["x"]
            data[spec.name] = pd.Categorical(rng.choice(cats, n), categories=cats)
        elif spec.dtype == "bool":
            data[spec.name] = rng.random(n) < 0.5
        elif spec.dtype == "int":
            data[spec.name] = rng.integers(0, 10, n)
        else:
            data[spec.name] = rng.random(n)
    return pd.DataFrame(data)
