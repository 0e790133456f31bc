"""``python -m dunflow.screenshots`` (``make screenshots``): a screenshot of every web-app page
from a ledger, into ``docs/screenshots/``.

It works on a copy of the ledger (a SQLite file; by default the demo's live run, made by ``make
demo``) with a user per role added to the copy, so the ledger itself is never touched; it serves
the app on a loopback port and drives Debian's chromium with Playwright (a development
dependency: ``make install``, ``make browser-deps``). The app's day is the ledger's last day.
"""

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from sqlmodel import Session, col, func, select

from dunflow.browser import chromium, find_chromium, served
from dunflow.demo import APP_CREDITOR, PAYMENT_TIME_MODEL, last_day
from ledger.db import make_engine
from ledger.settings import PROJECT_ROOT, shown_path
from ledger.tables import Debtor, Invoice, Recommendation
from serving.api.app import create_app
from serving.api.model_store import ModelStore
from serving.webapp.settings import WebappSettings
from serving.webapp.users import create_user

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
DEFAULT_LEDGER = DEMO_DIR / "live_sim" / "ledger.db"
OUT = PROJECT_ROOT / "docs" / "screenshots"
PASSWORD = "screenshots-only"


def _prepare(ledger: Path, creditor_name: str) -> tuple[int, str]:
    """Users on the copy; the debtor owing most (for the dossier) and the newest decision."""
    from ledger.summary import find_creditor

    engine = make_engine(f"sqlite:///{ledger}")
    try:
        with Session(engine) as session:
            creditor_id = find_creditor(session, creditor_name).id or 0
            for role in ("finance", "call_agent"):
                create_user(
                    session, creditor_id=creditor_id, email=f"{role}@shots.example",
                    name=f"{role.title()} (screenshots)", role=role, password=PASSWORD,
                )  # fmt: skip
            debtor = session.exec(
                select(Invoice.debtor_id)
                .where(Invoice.creditor_id == creditor_id)
                .group_by(col(Invoice.debtor_id))
                .order_by(func.sum(Invoice.open_amount_cents).desc())
            ).first()
            decision = session.exec(
                select(Recommendation.id)
                .where(Recommendation.creditor_id == creditor_id)
                .order_by(col(Recommendation.created_at).desc())
            ).first()
            session.commit()
            assert session.get(Debtor, debtor) is not None, "the creditor has no invoices"
            return int(debtor or 0), str(decision or "none")
    finally:
        engine.dispose()


def pages(debtor_id: int, decision_id: str) -> list[tuple[str, str, str, int]]:
    """(file name, role, path, viewport width) of every page."""
    return [
        ("login", "", "/app/login", 1280),
        ("overview", "finance", "/app", 1280),
        ("overview-phone", "finance", "/app", 390),
        ("debtors", "finance", "/app/debtors", 1280),
        ("dossier", "finance", f"/app/debtors/{debtor_id}", 1280),
        ("calls", "call_agent", "/app/calls", 1280),
        ("calls-phone", "call_agent", "/app/calls", 390),
        ("settings", "finance", "/app/settings", 1280),
        ("segments", "finance", "/app/segments", 1280),
        ("models", "finance", "/app/models", 1280),
        ("reports", "finance", "/app/reports", 1280),
        ("decision", "finance", f"/app/reports/decisions/{decision_id}", 1280),
    ]


def shoot(ledger: Path, creditor_name: str, out: Path) -> list[Path]:
    binary = find_chromium()
    if binary is None:
        raise SystemExit("chromium is not installed; `make browser-deps` installs it")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "ledger.db"
        shutil.copyfile(ledger, copy)
        debtor_id, decision_id = _prepare(copy, creditor_name)
        day = last_day(f"sqlite:///{copy}")
        settings = WebappSettings(session_key="screenshots", today=day)
        engine = make_engine(f"sqlite:///{copy}")
        app = create_app(engine=engine, model_store=ModelStore(None), webapp_settings=settings)
        out.mkdir(parents=True, exist_ok=True)
        made: list[Path] = []
        with served(app) as base, chromium(binary) as browser:
            for name, role, path, width in pages(debtor_id, decision_id):
                # a Dutch browser, as the demo creditor's people use (24-hour time fields)
                page = browser.new_page(viewport={"width": width, "height": 900}, locale="nl-NL")
                if role:
                    page.goto(f"{base}/app/login")
                    page.locator("input[name=email]").fill(f"{role}@shots.example")
                    page.locator("input[name=password]").fill(PASSWORD)
                    page.locator("form.stack button[type=submit]").click()
                    page.wait_for_url(f"{base}/app")
                page.goto(base + path)
                target = out / f"{name}.png"
                page.screenshot(path=str(target), full_page=True)
                made.append(target)
                page.close()
        engine.dispose()
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledger", type=Path, default=DEFAULT_LEDGER, help="A SQLite ledger.")
    parser.add_argument("--creditor", default=APP_CREDITOR)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--mlflow",
        default=os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{DEMO_DIR / 'mlflow.db'}",
        help="The model registry the Models page reads (default: the demo's).",
    )
    parser.add_argument(
        "--payment-time-model",
        default=os.environ.get("DUNFLOW_REPORTS_PAYMENT_TIME_MODEL_URI") or PAYMENT_TIME_MODEL,
        help="The payment-time model the Overview's cash forecast uses (default: the demo's).",
    )
    args = parser.parse_args()
    os.environ["MLFLOW_TRACKING_URI"] = args.mlflow
    os.environ["DUNFLOW_REPORTS_PAYMENT_TIME_MODEL_URI"] = args.payment_time_model
    if not args.ledger.is_file():
        raise SystemExit(f"{args.ledger}: no such ledger (run `make demo` first)")
    for path in shoot(args.ledger, args.creditor, args.out):
        print(shown_path(path))


if __name__ == "__main__":
    main()
