"""The feature table's shape and meaning: registry order and dtypes, the ledger loader, the store,
and a hand-checked debtor history."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from features import FEATURES, REGISTRY, build_features, get_spec, load_frames
from features.build import KEYS, RequestError
from features.loading import UnknownCreditorError
from features.store import SchemaVersionError, read_feature_table, write_feature_table
from features.training_set import payment_time_table
from ledger.tables import Contact, ContactInvoice, Outcome
from tests import factories
from tests.features.synthetic_ledger import synthetic_frames


def test_columns_follow_the_registry_with_its_dtypes() -> None:
    frames = synthetic_frames(200, seed=0)
    table = payment_time_table(frames)
    feats = build_features(frames, table[["debtor_id", "invoice_id", "as_of"]])
    assert list(feats.columns) == KEYS + [s.name for s in FEATURES]
    kinds = {"int": "int64", "float": "float64", "bool": "bool", "category": "category"}
    for spec in FEATURES:
        assert str(feats[spec.name].dtype) == kinds[spec.dtype], spec.name
        assert spec.description_en
        assert spec.description_nl


def test_descriptions_read_as_sentences() -> None:
    assert get_spec("hist_late_last5").describe(4) == "paid 4 of the last 5 invoices late"
    assert get_spec("hist_late_last5").describe(4, "nl") == (
        "betaalde 4 van de laatste 5 facturen te laat"
    )
    assert get_spec("hist_mean_days_late").describe(3.04) == "on average 3 days late"
    with pytest.raises(KeyError, match="declare it"):
        get_spec("nope")
    assert len(REGISTRY) == len(FEATURES)


def test_requests_keep_their_index_and_order() -> None:
    frames = synthetic_frames(200, seed=0)
    req = pd.DataFrame(
        {
            "debtor_id": [3, 1, 2],
            "as_of": pd.to_datetime(["2023-09-01", "2023-03-01", "2023-06-01"]),
        },
        index=[30, 10, 20],
    )
    out = build_features(frames, req)
    assert list(out.index) == [30, 10, 20]
    assert list(out["debtor_id"]) == [3, 1, 2]
    with pytest.raises(RequestError, match="unknown debtor"):
        build_features(frames, req.assign(debtor_id=[999_999, 1, 2]))
    with pytest.raises(RequestError, match="as_of"):
        build_features(frames, req.drop(columns="as_of"))


def _ts(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def test_history_from_a_real_ledger(session: Session, engine: Engine) -> None:
    cred = factories.creditor(session, name="Acme")
    deb = factories.debtor(session, cred)
    # five paid invoices, four of them late; one open and overdue; one issued on the as-of day
    for k, late in enumerate([5, 10, 0, 3, 20]):
        factories.invoice(
            session,
            deb,
            issue_date=date(2025, 1 + k, 1),
            due_date=date(2025, 1 + k, 15),
            paid_on=date(2025, 1 + k, 15) + timedelta(days=late),
            status="paid",
        )
    open_inv = factories.invoice(
        session, deb, issue_date=date(2025, 6, 1), due_date=date(2025, 6, 15)
    )
    target = factories.invoice(
        session, deb, issue_date=date(2025, 7, 1), due_date=date(2025, 7, 31), amount_cents=40_000
    )
    contact = Contact(
        creditor_id=cred.id,
        debtor_id=deb.id,
        channel="sms",
        tone="firm",
        sent_at=_ts("2025-06-20", 9),
        status="sent",
        idempotency_key="k1",
    )
    session.add(contact)
    session.flush()
    session.add(ContactInvoice(contact_id=contact.id, invoice_id=open_inv.id, creditor_id=cred.id))
    session.add(
        Outcome(
            creditor_id=cred.id,
            contact_id=contact.id,
            debtor_id=deb.id,
            kind="promise",
            promised_date=date(2025, 6, 25),
            occurred_at=_ts("2025-06-20", 11),
        )
    )
    session.commit()
    with pytest.raises(UnknownCreditorError):
        load_frames(engine, "Nobody")
    frames = load_frames(engine, "Acme")
    req = pd.DataFrame(
        {"debtor_id": [deb.id], "invoice_id": [target.id], "as_of": [_ts("2025-07-01")]}
    )
    row = build_features(frames, req).iloc[0]
    assert row["hist_n_invoices"] == 6
    assert row["hist_n_settled"] == 5
    assert row["hist_late_last5"] == 4
    assert row["hist_mean_days_late"] == pytest.approx(38 / 5)
    assert row["hist_median_days_late"] == 5
    assert row["hist_max_days_late"] == 20
    assert row["hist_recent_days_late"] == pytest.approx(23 / 3)
    assert row["open_invoices"] == 1
    assert row["overdue_invoices"] == 1
    assert row["overdue_mean_days"] == pytest.approx(16)  # due 15 June, as of 1 July
    assert row["last_contact_channel"] == "sms"
    assert row["last_outcome"] == "promise"
    assert row["hist_n_promises"] == 1
    assert row["hist_n_promises_broken"] == 1
    assert row["inv_amount"] == 400
    assert row["inv_term_days"] == 30
    assert row["inv_amount_rel"] == pytest.approx(400 / 100)
    assert get_spec("hist_late_last5").describe(row["hist_late_last5"]) == (
        "paid 4 of the last 5 invoices late"
    )


def test_store_writes_a_versioned_parquet(tmp_path: Path) -> None:
    table = payment_time_table(synthetic_frames(100, seed=0))
    path = write_feature_table(table, "payment_time", data_dir=tmp_path)
    assert path == tmp_path / "processed" / "payment_time.v1.parquet"
    back = read_feature_table(path)
    pd.testing.assert_frame_equal(back, table.reset_index(drop=True), check_exact=True)
    import pyarrow.parquet as pq

    meta = dict(pq.read_schema(path).metadata)
    meta[b"dunflow.schema_version"] = b"0"
    pq.write_table(pq.read_table(path).replace_schema_metadata(meta), path)
    with pytest.raises(SchemaVersionError):
        read_feature_table(path)


def test_live_rows_are_the_training_rows_of_now() -> None:
    """Open invoices as of a moment: the same builder, the same values as a training request."""
    from features.training_set import open_invoice_requests

    frames = synthetic_frames(500, seed=3, span_days=120)
    now = pd.Timestamp("2023-03-15 10:30", tz="UTC")
    live = open_invoice_requests(frames, now)
    inv = frames.invoices.set_index("invoice_id").loc[live["invoice_id"]]
    assert (inv["issue_ts"] < now).all()
    assert not (inv["paid_ts"] < now).any()
    rows = build_features(frames, live)
    again = build_features(frames, live.assign(as_of=now.tz_convert(None)))  # naive = UTC
    pd.testing.assert_frame_equal(rows, again, check_exact=True)
    assert (rows["inv_days_overdue"] > -31).all()
