"""A small, hand-checkable ledger for the report tests (and the screenshots).

"Bakkerij de Vries B.V." as of Tuesday 2026-11-24 (Europe/Amsterdam). The figures the tests
assert, worked out by hand:

* outstanding now: I1 1,210 + I3 250 + I4 80 + I5 300 + I6 150 + I7 2,000 + I9 250 = 4,240.00
* a week earlier (2026-11-17): I7 not yet issued; I2 still 500 open (paid 11-20); I9 400 (150
  paid 11-19): 1,210 + 500 + 250 + 80 + 300 + 150 + 400 = 2,890.00 → change +1,350.00
* collected this week (11-18 … 11-24): 500.00 + 150.00 = 650.00 in 2 payments
* aging: not due 2 · 2,250.00; 1-30 2 · 450.00; 31-60 2 · 330.00; 61-90 1 · 1,210.00; 90+ 0
* DSO (90 d): sales 2026-08-27 … 11-24 = 4,680.00 → 4,240 / 4,680 × 90 = 81.5; at 11-17:
  2,890 / 2,680 × 90 = 97.1
* next week (11-25 00:00 … 12-02 00:00 local): e-mail 2 (2 debtors, 0.00), letter 1 (1.50),
  SMS 1 (0.20) → 4 messages, 1.70; the phone call on 12-02 and the e-mail today are outside;
  expected beyond those (the ladder over the cycles of 11-25 … 12-01): M. Visser's final reminder
  by e-mail on 11-30 → 5 messages, 1.70
* attention: disputed I5; broken promise I6 (promised 11-17); complaint Café Het Hoekje (11-20,
  550.00 open); ready for collection I1 (B2B, 85 days overdue) and I3 (B2C, letter sent 11-01,
  costs due 11-22); 14-day letter expiring I4 (sent 11-10, costs due 12-01)
* cash forecast (baseline): settled days late D1 [20] (I2), D4 [30] (I10), D5 [4] (I8), pooled
  [20, 4, 30]. I1 (85 days late), I3 (56) and I4 (31): no invoice was ever that late → not
  expected; I6 (21 late): D4's 30 → 12-03, week 12-02 … 12-08: 150.00; I7 (not due): D5's 4 →
  12-22 and I9 (not due, D3 no history): pooled 18 → 12-19, week 12-16 … 12-22: 2,250.00;
  the weeks 11-25 … 12-01 and 12-09 … 12-15: 0
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from ledger.dossier import record
from ledger.tables import (
    Contact,
    ContactInvoice,
    Creditor,
    Debtor,
    Invoice,
    Outcome,
    Payment,
    PaymentAllocation,
    Recommendation,
)
from tests import factories

AS_OF = date(2026, 11, 24)
AMS = ZoneInfo("Europe/Amsterdam")
CREDITOR = "Bakkerij de Vries B.V."
REC_ID = "5f0c8c1e-2b1a-4d7e-9a52-0d3c6f1e9b77"
DEGRADED_REC_ID = "a1b2c3d4-0000-4000-8000-000000000001"


@dataclass
class Sample:
    creditor: Creditor
    debtors: dict[str, Debtor]
    invoices: dict[str, Invoice]


def _local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMS)


def _pay(session: Session, c: Creditor, inv: Invoice, cents: int, on: date, ref: str) -> None:
    p = Payment(
        creditor_id=c.id, debtor_id=inv.debtor_id, amount_cents=cents, paid_on=on, external_ref=ref
    )
    session.add(p)
    session.flush()
    session.add(
        PaymentAllocation(payment_id=p.id, invoice_id=inv.id, creditor_id=c.id, amount_cents=cents)
    )


def _contact(session: Session, c: Creditor, d: Debtor, key: str, **kw: Any) -> Contact:
    invoices = kw.pop("invoices", [])
    row = Contact(creditor_id=c.id, debtor_id=d.id, idempotency_key=f"{c.id}-{key}", **kw)
    session.add(row)
    session.flush()
    for inv in invoices:
        session.add(ContactInvoice(contact_id=row.id, invoice_id=inv.id, creditor_id=c.id))
    return row


def build(session: Session, *, name: str = CREDITOR) -> Sample:
    c = factories.creditor(session, name=name)
    deb = {
        "D1": factories.debtor(session, c, name="Jansen Installatie B.V.", kind="b2b"),
        "D2": factories.debtor(session, c, name="P. de Boer", kind="b2c"),
        "D3": factories.debtor(session, c, name="Café Het Hoekje", kind="b2b"),
        "D4": factories.debtor(session, c, name="M. Visser", kind="b2c", external_id="K-0404"),
        "D5": factories.debtor(session, c, name="Bouwbedrijf Smit", kind="b2b"),
    }
    inv_spec = {  # debtor, issue, due, amount, open, status, paid_on
        "I1": ("D1", date(2026, 8, 1), date(2026, 8, 31), 121_000, 121_000, "open", None),
        "I2": ("D1", date(2026, 10, 1), date(2026, 10, 31), 50_000, 0, "paid", date(2026, 11, 20)),
        "I3": ("D2", date(2026, 9, 15), date(2026, 9, 29), 25_000, 25_000, "open", None),
        "I4": ("D2", date(2026, 10, 10), date(2026, 10, 24), 8_000, 8_000, "open", None),
        "I5": ("D3", date(2026, 10, 15), date(2026, 11, 14), 30_000, 30_000, "disputed", None),
        "I6": ("D4", date(2026, 10, 20), date(2026, 11, 3), 15_000, 15_000, "open", None),
        "I7": ("D5", date(2026, 11, 18), date(2026, 12, 18), 200_000, 200_000, "open", None),
        "I8": ("D5", date(2026, 9, 1), date(2026, 10, 1), 100_000, 0, "paid", date(2026, 10, 5)),
        "I9": ("D3", date(2026, 11, 1), date(2026, 12, 1), 40_000, 25_000, "open", None),
        "I10": ("D4", date(2026, 6, 1), date(2026, 6, 15), 5_000, 0, "paid", date(2026, 7, 15)),
    }
    inv = {
        key: factories.invoice(
            session,
            deb[d],
            number=f"2026-{key}",
            issue_date=issue,
            due_date=due,
            amount_cents=amount,
            open_amount_cents=open_,
            status=status,
            paid_on=paid,
        )
        for key, (d, issue, due, amount, open_, status, paid) in inv_spec.items()
    }
    _pay(session, c, inv["I2"], 50_000, date(2026, 11, 20), "BANK-1")
    _pay(session, c, inv["I8"], 100_000, date(2026, 10, 5), "BANK-2")
    _pay(session, c, inv["I9"], 15_000, date(2026, 11, 19), "BANK-3")
    _pay(session, c, inv["I10"], 5_000, date(2026, 7, 15), "BANK-4")
    planned = [  # debtor, channel, local day, hour, cost
        ("D1", "email", date(2026, 11, 25), 9, 0),
        ("D4", "sms", date(2026, 11, 26), 10, 20),
        ("D4", "letter", date(2026, 11, 27), 9, 150),
        ("D5", "email", date(2026, 11, 30), 9, 0),
        ("D1", "phone", date(2026, 12, 2), 9, 500),
        ("D3", "email", date(2026, 11, 24), 15, 0),
    ]
    for n, (d, channel, day, hour, cost) in enumerate(planned):
        _contact(
            session, c, deb[d], f"plan-{n}", channel=channel, tone="neutral",
            scheduled_at=_local(day, hour), status="planned", cost_cents=cost,
        )  # fmt: skip
    for key, sent in (("I3", date(2026, 11, 1)), ("I4", date(2026, 11, 10))):
        _contact(
            session, c, deb["D2"], f"letter-{key}", channel="letter", tone="firm",
            stage="fourteen_day_letter", scheduled_at=_local(sent), sent_at=_local(sent, 10),
            status="sent", cost_cents=150, invoices=[inv[key]],
        )  # fmt: skip
    session.add(
        Outcome(
            creditor_id=c.id, debtor_id=deb["D4"].id, kind="promise",
            promised_date=date(2026, 11, 17), occurred_at=_local(date(2026, 11, 10), 11),
        )
    )  # fmt: skip
    session.add(
        Outcome(
            creditor_id=c.id, debtor_id=deb["D3"].id, kind="complaint",
            occurred_at=_local(date(2026, 11, 20), 14), note="bread was stale",
        )
    )  # fmt: skip
    _dossier(session, c, deb["D4"], inv["I6"])
    session.add(recommendation(c, deb["D4"]))
    session.add(recommendation(c, deb["D1"], degraded=True))
    session.flush()
    return Sample(c, deb, inv)


def _dossier(session: Session, c: Creditor, d: Debtor, i: Invoice) -> None:
    events = [  # day, kind, actor, payload
        (date(2026, 10, 20), "invoice_imported", "import", {"invoice": i.number}),
        (date(2026, 11, 5), "reminder_sent", "scheduler", {"channel": "email", "tone": "friendly"}),
        (date(2026, 11, 10), "promise_recorded", "call centre", {"promised_date": "2026-11-17"}),
        (date(2026, 11, 18), "promise_broken", "system", {"promised_date": "2026-11-17"}),
    ]  # fmt: skip
    for day, kind, actor, payload in events:
        record(
            session, creditor_id=c.id, debtor_id=d.id, invoice_id=i.id, kind=kind, actor=actor,
            payload=payload, occurred_at=_local(day, 10),
        )  # fmt: skip


def _action(channel: str | None, tone: str | None, day: date | None, cost: int) -> dict[str, Any]:
    return {
        "channel": channel,
        "tone": tone,
        "send_at": _local(day, 9).isoformat() if day else None,
        "stage": "reminder" if channel else None,
        "template": f"reminder_{tone}" if channel else None,
        "cost_cents": cost,
        "invoice_numbers": ["2026-I6"] if channel else [],
    }


def recommendation_body(rec_id: str, d: Debtor, *, degraded: bool = False) -> dict[str, Any]:
    created = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    shap = {
        "hist_n_promises_broken": -0.62,
        "hist_late_last5": -0.35,
        "cand_resp_rate": 0.48,
        "overdue_mean_days": -0.21,
        "inv_amount": 0.12,
        "reach_phone": 0.09,
        "send_days_to_25th": 0.05,
        "hist_n_invoices": 0.03,
        "tenure_days": -0.02,
        "send_hour": 0.01,
    }
    reasons = [
        ("cand_resp_rate", "Reageert vaak op een sms (in 61% van de gevallen).", 0.61, 0.48),
        ("hist_n_promises_broken", "Heeft 1 betaalbelofte niet nagekomen.", 1, -0.62),
        ("hist_late_last5", "Betaalde 3 van de laatste 5 facturen te laat.", 3, -0.35),
    ]
    return {
        "id": rec_id,
        "debtor_id": d.id,
        "debtor_external_id": d.external_id,
        "created_at": created.isoformat(),
        "model_version": "ladder" if degraded else "dunning-policy/7",
        "degraded": degraded,
        "action": _action("sms", "friendly", date(2026, 11, 26), 20),
        "expected_value_cents": 9_870,
        "p_pay": None if degraded else 0.71,
        "p_complaint": None if degraded else 0.01,
        "propensity": 1.0 if degraded else 0.85,
        "alternatives": []
        if degraded
        else [
            {
                "action": _action("email", "friendly", date(2026, 11, 25), 0),
                "expected_value_cents": 8_510,
                "p_pay": 0.62,
            },
            {
                "action": _action("letter", "neutral", date(2026, 11, 26), 150),
                "expected_value_cents": 8_000,
                "p_pay": 0.64,
            },
            {"action": _action(None, None, None, 0), "expected_value_cents": 5_500, "p_pay": 0.41},
        ],
        "explanation": {
            "reasons": []
            if degraded
            else [
                {"feature": f, "text": t, "value": v, "contribution": s} for f, t, v, s in reasons
            ],
            "shap": {} if degraded else shap,
            "base_value": None if degraded else 0.2,
            "versus_runner_up": None if degraded else "sms bereikt haar sneller dan e-mail.",
        },
        "refusals": [
            {"channel": "phone", "tone": None, "reasons": ["debtor opted out of phone calls"]},
            {
                "channel": "letter",
                "tone": "firm",
                "reasons": ["a firm tone is not allowed at the reminder stage"],
            },
        ],
    }


def recommendation(c: Creditor, d: Debtor, *, degraded: bool = False) -> Recommendation:
    rec_id = DEGRADED_REC_ID if degraded else REC_ID
    if c.name != CREDITOR:  # ids are global: give another creditor's rows their own
        rec_id = rec_id[:-4] + f"{c.id:04d}"
    body = recommendation_body(rec_id, d, degraded=degraded)
    assert c.id is not None
    assert d.id is not None
    return Recommendation(
        id=rec_id,
        creditor_id=c.id,
        debtor_id=d.id,
        created_at=datetime.fromisoformat(body["created_at"]),
        model_version=body["model_version"],
        channel="sms",
        tone="friendly",
        stage="reminder",
        send_at=_local(date(2026, 11, 26), 9),
        expected_value_cents=9_870,
        p_pay=body["p_pay"],
        propensity=body["propensity"],
        degraded=degraded,
        body=body,
    )


def week_bounds(as_of: date = AS_OF) -> tuple[datetime, datetime]:
    return _local(as_of + timedelta(days=1), 0), _local(as_of + timedelta(days=8), 0)
