"""Shared fixtures: a fresh ledger per test on SQLite and, when DUNFLOW_TEST_POSTGRES_URL is set,
on PostgreSQL (each test in its own schema, so parallel workers never meet)."""

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

if TYPE_CHECKING:
    from playwright.sync_api import Browser

import ledger.tables  # noqa: F401
from ledger.db import make_engine

# The suite starts well over a hundred Python processes (pytest's workers, dispatchers killed and
# restarted, `dunflow serve`, notebook kernels, Spark's Python workers). Where
# PYTHONDONTWRITEBYTECODE is set (it is on the machines this project runs on) each of them compiles
# every module it imports from source: `import serving.api.app` costs 10.2 s of CPU so and 3.6 s
# from .pyc files. The run writes them (git-ignored), the first process to import a module for all.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

POSTGRES_URL = os.environ.get("DUNFLOW_TEST_POSTGRES_URL", "")
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def pytest_configure(config: pytest.Config) -> None:
    """Under ``pytest -n N`` one OpenMP thread per worker (LightGBM's default, OpenBLAS), unless
    the caller set OMP_NUM_THREADS: N workers on N cores each spinning up a thread per core fought
    for them (tests/policy under -n 2 at load ~6: 52.0 s wall and 34.5 s of CPU -> 33.8 s and
    22.8 s; test_decide's model 4.1 s -> under 1 s). The workers and their subprocesses inherit
    it; code that names its threads (training's boosters, test_lgb_threads) keeps its own."""
    if config.getoption("numprocesses", default=None):
        os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with a ``slow`` test first, each module's tests kept together and in order: under
    ``-n 2 --dist loadgroup`` each worker takes the next test when it is nearly idle, so the long
    tests start early and the short ones fill in at the end instead of one long test running
    alone on one worker while the other has nothing left."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Under ``--dist loadgroup`` a group stays on one worker only while pytest-xdist can add the
    group to each node id; a pytest that ignores that (9.2 with xdist 3.8, xdist issue 1386)
    spreads a group silently, and the Spark module would build its ledgers and session twice."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or not session.config.getvalue("loadgroup"):
        return
    lost = [
        item.nodeid
        for item in session.items
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid
    ]
    if lost:
        raise pytest.UsageError(f"--dist loadgroup does not group {lost[0]} (pin pytest < 9.2)")


def _postgres_schema_url(schema: str) -> str:
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"


DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    """An empty database URL: a SQLite file in ``folder``, or a fresh PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'ledger.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("DUNFLOW_TEST_POSTGRES_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def _ledger(url: str) -> Iterator[Engine]:
    eng = make_engine(url)
    SQLModel.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL: a SQLite file, or a fresh PostgreSQL schema."""
    with _database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A ledger with every table created (migrations are tested separately)."""
    with _ledger(db_url) as eng:
        yield eng


@pytest.fixture(scope="module", params=DATABASES)
def module_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """Like ``engine``, one per module: for a module whose tests only read what they share."""
    with _database(request.param, tmp_path_factory.mktemp("ledger")) as url, _ledger(url) as eng:
        yield eng


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def real_data() -> Path:
    """The real ledgers in ../shared/data/real; skips with a reason when they are absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data not found at {REAL_DATA} (CI has it; a fresh machine may not)")
    return REAL_DATA


@pytest.fixture(scope="session")
def browser() -> Iterator["Browser"]:
    """One headless Chromium for every browser test of the session (Playwright)."""
    from tests.browser import chromium, find_chromium

    binary = find_chromium()
    if binary is None:
        pytest.skip("chromium is not installed; `make browser-deps` installs it")
    with chromium(binary) as launched:
        yield launched


class MlflowTemplate:
    """An empty MLflow SQLite store, migrated once: creating a store runs each of MLflow's
    migrations (3-8 s a test); a copy of the migrated file gives the same empty store at once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def store_at(self, db: Path) -> str:
        """A fresh store in the file ``db`` (a copy of the template); its tracking URI."""
        db.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, db)
        return f"sqlite:///{db}"


@pytest.fixture(scope="session")
def mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> MlflowTemplate:
    """One migrated, empty MLflow store per worker, made as each test made its own before
    (same working directory, so the default experiment points where it did)."""
    from mlflow import MlflowClient

    db = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    uri = f"sqlite:///{db}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    client.search_experiments()  # the tracking store: every migration, the default experiment
    client.search_registered_models()
    return MlflowTemplate(db)
