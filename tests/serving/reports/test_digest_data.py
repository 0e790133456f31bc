"""The digest's figures on the sample ledger, checked against the hand computation in
``sample_ledger.py``."""

from collections.abc import Sequence
from datetime import date, timedelta

from sqlmodel import Session, select

from ledger.summary import summarize
from ledger.tables import Invoice, Payment, PaymentAllocation
from serving.reports.digest_data import build_digest
from serving.reports.flow_effect import FlowEffect
from serving.reports.forecast import BaselineForecaster, OpenInvoice, WeekCash
from tests.serving.reports import sample_ledger as sample
from tests.serving.reports.conftest import Ledger


def test_headline_figures(session: Session, ledger: Ledger) -> None:
    d = build_digest(session, creditor_name=sample.CREDITOR, as_of=sample.AS_OF)
    assert d.outstanding_cents == 424_000
    assert d.outstanding_week_ago_cents == 289_000
    assert d.outstanding_change_cents == 135_000
    assert d.open_invoices == 7
    assert (d.collected_count, d.collected_cents) == (2, 65_000)
    assert d.dso_days == 81.5
    assert [(b.name, b.invoices, b.open_amount_cents) for b in d.aging] == [
        ("not_due", 2, 225_000),
        ("1-30", 2, 45_000),
        ("31-60", 2, 33_000),
        ("61-90", 1, 121_000),
        ("90+", 0, 0),
    ]


def test_dso_trend_is_reconstructed_week_by_week(session: Session, ledger: Ledger) -> None:
    d = build_digest(session, creditor_name=sample.CREDITOR, as_of=sample.AS_OF)
    assert len(d.dso_trend) == 12
    assert d.dso_trend[-1].week_end == sample.AS_OF
    assert d.dso_trend[0].week_end == sample.AS_OF - timedelta(weeks=11)
    assert d.dso_trend[-2].dso_days == 97.1  # 2,890 / 2,680 × 90 as the ledger stood on 11-17
    # with no later events in the ledger the reconstruction agrees with ledger.summary
    summary = summarize(session, creditor_name=sample.CREDITOR, as_of=sample.AS_OF)
    assert d.dso_trend[-1].dso_days == summary.dso_days


def test_reminders_next_week_per_channel(session: Session, ledger: Ledger) -> None:
    d = build_digest(session, creditor_name=sample.CREDITOR, as_of=sample.AS_OF)
    assert [(p.channel, p.contacts, p.debtors, p.cost_cents) for p in d.next_week] == [
        ("email", 2, 2, 0),
        ("letter", 1, 1, 150),
        ("sms", 1, 1, 20),
    ]
    # the ladder over the cycles of 25, 26, 27, 30 November and 1 December: only M. Visser
    # (I6, 21 days late, not expected paid before 3 December) gets one more, on 30 November:
    # the +17 level (final reminder; no phone or address, so by e-mail) three days after the
    # planned letter of the 27th; Jansen's planned e-mail (25th) and call (2 December) leave no
    # day 3 apart, the others have nothing overdue and undisputed
    f = d.next_week_forecast
    assert (f.by, f.cycles) == ("ladder", 5)
    assert [(p.channel, p.contacts, p.debtors, p.cost_cents) for p in f.expected] == [
        ("email", 1, 1, 0)
    ]
    assert (d.next_week_contacts, d.next_week_cost_cents) == (5, 170)
    rows = [(r.channel, r.planned, r.expected, r.cost_cents) for r in d.next_week_rows]
    assert rows == [("email", 2, 1, 0), ("letter", 1, 0, 150), ("sms", 1, 0, 20)]


def test_attention_list(session: Session, ledger: Ledger) -> None:
    d = build_digest(session, creditor_name=sample.CREDITOR, as_of=sample.AS_OF)
    got = [(a.kind, a.invoice_number, a.open_amount_cents, a.on) for a in d.attention]
    assert got == [
        ("ready_for_collection", "2026-I1", 121_000, date(2026, 8, 31)),
        ("ready_for_collection", "2026-I3", 25_000, date(2026, 11, 22)),
        ("broken_promise", "2026-I6", 15_000, date(2026, 11, 17)),
        ("letter_expiring", "2026-I4", 8_000, date(2026, 12, 1)),
        ("complaint", None, 55_000, date(2026, 11, 20)),
        ("disputed", "2026-I5", 30_000, date(2026, 11, 14)),
    ]


def test_attention_moves_with_the_day(session: Session, ledger: Ledger) -> None:
    """A week earlier: the promise (11-17) was not yet broken, I3's letter costs (11-22) were
    expiring rather than due, and the complaint (11-20) had not happened."""
    d = build_digest(session, creditor_name=sample.CREDITOR, as_of=date(2026, 11, 17))
    kinds = {(a.kind, a.invoice_number) for a in d.attention}
    assert ("broken_promise", "2026-I6") not in kinds
    assert ("letter_expiring", "2026-I3") in kinds
    assert ("ready_for_collection", "2026-I3") not in kinds
    assert not any(a.kind == "complaint" for a in d.attention)


def test_baseline_cash_forecast(session: Session, ledger: Ledger) -> None:
    d = build_digest(session, creditor_name=sample.CREDITOR, as_of=sample.AS_OF)
    assert d.cash_forecast is not None
    assert [(w.week_start, w.expected_cents, w.invoices) for w in d.cash_forecast] == [
        (date(2026, 11, 25), 0, 0),
        (date(2026, 12, 2), 15_000, 1),
        (date(2026, 12, 9), 0, 0),
        (date(2026, 12, 16), 225_000, 2),
    ]
    assert d.forecast_total_cents == 240_000


def test_baseline_forecast_reads_nothing_after_as_of(session: Session, ledger: Ledger) -> None:
    """Leak-free: settling an invoice after the day leaves that day's forecast unchanged."""
    day = date(2026, 11, 10)
    before = BaselineForecaster().forecast(session, creditor_id=ledger.creditor_id, as_of=day)
    i1 = session.exec(
        select(Invoice).where(
            Invoice.number == "2026-I1", Invoice.creditor_id == ledger.creditor_id
        )
    ).one()
    i1.open_amount_cents, i1.status, i1.paid_on = 0, "paid", date(2026, 12, 20)
    late = Payment(
        creditor_id=ledger.creditor_id,
        amount_cents=121_000,
        paid_on=date(2026, 12, 20),
        external_ref="LATE",
    )
    session.add_all([i1, late])
    session.flush()
    assert late.id is not None
    assert i1.id is not None
    session.add(
        PaymentAllocation(
            payment_id=late.id,
            invoice_id=i1.id,
            creditor_id=ledger.creditor_id,
            amount_cents=121_000,
        )
    )
    session.flush()
    after = BaselineForecaster().forecast(session, creditor_id=ledger.creditor_id, as_of=day)
    assert after == before


def test_injected_inputs_win(session: Session, ledger: Ledger) -> None:
    weeks = [WeekCash(date(2026, 11, 25), date(2026, 12, 1), 12_345, 1)]
    effect = FlowEffect(policy={"dso_days": 40.0}, ladder={"dso_days": 47.5})
    d = build_digest(
        session,
        creditor_name=sample.CREDITOR,
        as_of=sample.AS_OF,
        cash_forecast=weeks,
        flow_effect=effect,
    )
    assert d.cash_forecast == weeks
    assert d.flow_effect is effect
    assert effect.metrics == ("dso_days",)
    assert effect.better("dso_days")


def test_tenancy_other_creditor_sees_its_own_figures(session: Session, ledger: Ledger) -> None:
    mine = build_digest(session, creditor_name=sample.CREDITOR, as_of=sample.AS_OF)
    other = build_digest(session, creditor_name="Andere Klant B.V.", as_of=sample.AS_OF)
    assert other.creditor_id != mine.creditor_id
    assert other.outstanding_cents == mine.outstanding_cents  # same shape, separate rows
    assert len(other.attention) == len(mine.attention)


def test_model_forecaster_hook(session: Session, ledger: Ledger) -> None:
    """A payment-time model plugs in as a days-late predictor; weekly summing is shared."""
    from serving.reports.forecast import ModelForecaster

    seen: list[int] = []

    def predict(_s: Session, invoices: Sequence[OpenInvoice], as_of: date) -> list[float]:
        assert as_of == sample.AS_OF
        seen.extend(i.invoice_id for i in invoices)
        return [(as_of - i.due_date).days + 8.0 for i in invoices]  # all paid on as_of + 8

    weeks = ModelForecaster(predict).forecast(
        session, creditor_id=ledger.creditor_id, as_of=sample.AS_OF
    )
    assert len(seen) == 6  # open and expected to be paid: not the disputed I5
    assert [w.expected_cents for w in weeks] == [0, 394_000, 0, 0]


def test_needs_attention_shows_the_top_ten_and_counts_the_rest(
    session: Session, ledger: Ledger
) -> None:
    from ledger.tables import Creditor
    from serving.reports.render import render_weekly
    from tests import factories

    creditor = session.get(Creditor, ledger.creditor_id)
    assert creditor is not None
    debtor = factories.debtor(session, creditor, name="Veel Geschil B.V.", kind="b2b")
    for k in range(1, 13):  # 12 disputes of € 1 … € 12: the least urgent reason, small amounts
        factories.invoice(
            session, debtor, number=f"2026-X{k}", issue_date=date(2026, 11, 1),
            due_date=date(2026, 12, 1), amount_cents=100 * k, status="disputed",
        )  # fmt: skip
    session.flush()
    d = build_digest(session, creditor_name=sample.CREDITOR, as_of=sample.AS_OF)
    assert len(d.attention) == 6 + 12
    assert d.attention_top == d.attention[:10]
    assert d.attention_more == 8
    # the sample's 6 (collection, broken promise, letter, complaint, dispute of € 300) come
    # first; then the largest of the new disputes
    assert [a.invoice_number for a in d.attention_top[5:]] == [
        "2026-I5", "2026-X12", "2026-X11", "2026-X10", "2026-X9",
    ]  # fmt: skip
    html = render_weekly(d, "en")
    assert "And 8 more (less urgent or smaller)." in html
    assert "2026-X8" not in html
