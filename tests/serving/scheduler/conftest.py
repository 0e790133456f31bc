"""Scheduler fixtures: the scoring API served by uvicorn on a loopback port (real HTTP), a
creditor with its API key, and overdue debtors to dun."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session

from serving.api.app import create_app
from serving.api.model_store import ModelStore
from serving.api.security import create_api_key
from serving.scheduler.scoring_client import ScoringClient
from tests import factories
from tests.waits import HANG_GUARD_S

AMS = ZoneInfo("Europe/Amsterdam")
DAY = date(2026, 11, 17)  # a Tuesday, in the past (outcomes may not lie in the future)
CYCLE = datetime(2026, 11, 17, 8, 30, tzinfo=AMS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Api:
    url: str


@contextmanager
def served(model_store: ModelStore, engine: Engine, name: str) -> Iterator[Api]:
    """The scoring API on a loopback port in a thread, until the block ends."""
    port = free_port()
    app = create_app(engine=engine, model_store=model_store)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + HANG_GUARD_S
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield Api(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=HANG_GUARD_S)


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    with served(ModelStore(None), engine, "uvicorn-scheduler-test") as running:
        yield running


@dataclass
class Book:
    creditor_id: int
    name: str
    key: str
    debtor_ids: list[int]
    invoice_ids: list[int]


def make_book(engine: Engine, n: int = 5, **creditor_kw: object) -> Book:
    with Session(engine) as session:
        cred = factories.creditor(session, **creditor_kw)
        assert cred.id is not None
        key = create_api_key(session, creditor_id=cred.id)
        debtors, invoices = [], []
        for i in range(n):
            deb = factories.debtor(
                session,
                cred,
                address_line=f"Dorpsstraat {i + 1}",
                postal_code="1234 AB",
                phone=f"+3161234{i:04d}",
            )
            inv = factories.invoice(
                session,
                deb,
                issue_date=date(2026, 10, 1),
                due_date=date(2026, 11, 3),
                payment_reference=f"RF{i:04d}{cred.id}",
            )
            debtors.append(deb.id or 0)
            invoices.append(inv.id or 0)
        session.commit()
        return Book(cred.id, cred.name, key, debtors, invoices)


@pytest.fixture
def book(engine: Engine) -> Book:
    return make_book(engine)


@pytest.fixture
def client(api: Api, book: Book) -> Iterator[ScoringClient]:
    c = ScoringClient(api.url, lambda _name: book.key, batch_size=2)
    yield c
    c.close()


def utc(d: datetime) -> datetime:
    return d.astimezone(UTC)
