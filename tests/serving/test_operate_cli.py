"""``dunflow creditor``, ``segment`` and ``dossier`` on a real ledger: the same validation as the
API (a bad value names the field, exits non-zero and writes nothing), every change audited."""

import json

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from dunflow.cli import app
from ledger.tables import Creditor, Debtor, DossierEvent
from tests import factories

runner = CliRunner()


def _run(db_url: str, *args: str) -> object:
    return runner.invoke(app, [*args, "--db", db_url])


def test_creditor_segment_and_dossier_commands(engine: Engine, db_url: str) -> None:
    made = _run(db_url, "creditor", "create", "Acme B.V.", "min_gap_days=5", "language=en")
    assert made.exit_code == 0, made.output
    bad = _run(db_url, "creditor", "set", "Acme B.V.", "allowed_weekdays=[0,6]", "iban=NL00")
    assert bad.exit_code == 1
    assert "allowed_weekdays" in bad.output
    assert "iban" in bad.output
    ok = _run(db_url, "creditor", "set", "Acme B.V.", "contact_end_minute=1020", "bundle_days=2")
    assert ok.exit_code == 0, ok.output
    assert "contact_end_minute: 1200 → 1020" in ok.output
    shown = _run(db_url, "creditor", "show", "Acme B.V.", "--json")
    assert json.loads(shown.output)["contact_end_minute"] == 1020
    history = _run(db_url, "creditor", "history", "Acme B.V.", "--json")
    kinds = [h["kind"] for h in json.loads(history.output)]
    assert kinds == ["settings_changed", "creditor_created"]
    assert json.loads(history.output)[0]["actor"].startswith("cli:")

    with Session(engine) as session:
        creditor = session.exec(select(Creditor).where(Creditor.name == "Acme B.V.")).one()
        factories.debtor(session, creditor, external_id="K-1", kind="b2c")
        factories.debtor(session, creditor, external_id="IC-1", kind="b2b")
        session.commit()
    assert _run(
        db_url, "segment", "create", "groep", "--creditor", "Acme B.V.", "excluded=true",
        'rules=[{"external_ids": ["IC-1"]}]', "priority=1",
    ).exit_code == 0  # fmt: skip
    refused = _run(db_url, "segment", "create", "x", "--creditor", "Acme B.V.", "max_tone=loud")
    assert refused.exit_code == 1
    assert "max_tone" in refused.output
    off_grid = _run(
        db_url, "segment", "create", "y", "--creditor", "Acme B.V.", "plan=phone/neutral/5d"
    )
    assert off_grid.exit_code == 1
    assert "plan: phone/neutral/5d is not a plan the learner has" in off_grid.output
    applied = _run(db_url, "segment", "assign", "--creditor", "Acme B.V.")
    assert "1 moved" in applied.output

    paused = _run(
        db_url, "dossier", "pause", "--creditor", "Acme B.V.", "--debtor", "K-1",
        "--reason", "op vakantie",
    )  # fmt: skip
    assert paused.exit_code == 0, paused.output
    no_one = _run(
        db_url, "dossier", "note", "--creditor", "Acme B.V.", "--debtor", "X", "--text", "y"
    )
    assert no_one.exit_code == 1
    assert "--debtor" in no_one.output
    with Session(engine) as session:
        k1 = session.exec(select(Debtor).where(Debtor.external_id == "K-1")).one()
        kinds = session.exec(select(DossierEvent.kind).where(DossierEvent.debtor_id == k1.id)).all()
    assert list(kinds) == ["paused"]
