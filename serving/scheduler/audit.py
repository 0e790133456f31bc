"""The rule audit: reads back every contact that went out and counts each breach of the rules.

Checked per sent contact, at its ``sent_at``: outside 07:00–20:00 Europe/Amsterdam or the
creditor's own window; on a Sunday or a public holiday; a second dunning contact to one debtor on
one day; sent to a debtor whose dossier was paused or disputed, or whose every covered invoice was
already paid before that day; and, for consumers, collection costs (stage collection or bailiff)
before a valid 14-day letter's term had run. Messages the debtor's own action called for (a
promise confirmation, a thank-you) are not dunning contacts for the one-a-day count, but the
window rules apply to them too. The audit must be able to fail: it recomputes from the ledger and
``policy`` and never trusts the scheduler's own bookkeeping. It must never write.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger.enums import ContactStatus, Country, DebtorKind, Stage
from ledger.tables import Contact, ContactInvoice, Creditor, Debtor, Invoice
from policy import state_from_ledger
from policy.guardrails import costs_earliest_day
from policy.ledger_state import creditor_settings
from policy.public_holidays import holiday_name
from serving.scheduler.candidates import blocked_debtors

AMS = ZoneInfo("Europe/Amsterdam")
RESPONSES = ("promise_confirmation", "payment_thanks")
RULES = (
    "outside 07:00-20:00",
    "outside the creditor's window",
    "on a Sunday",
    "on a public holiday",
    "second dunning contact that day",
    "to a paused dossier",
    "to a disputed dossier",
    "to a debtor whose invoices were paid",
    "B2C costs before a valid 14-day letter",
)


@dataclass
class AuditReport:
    contacts: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def ok(self) -> bool:
        return not any(self.counts[r] for r in RULES)

    def add(self, rule: str, contact: Contact, detail: str) -> None:
        self.counts[rule] += 1
        if len(self.examples[rule]) < 5:
            self.examples[rule].append(
                f"contact {contact.id} ({contact.idempotency_key}): {detail}"
            )

    def lines(self) -> list[str]:
        out = [f"rule audit over {self.contacts} contacts sent:"]
        out += [f"  {rule}: {self.counts[rule]}" for rule in RULES]
        for rule, examples in self.examples.items():
            out += [f"    e.g. {e}" for e in examples[:3] if rule in RULES]
        return out


def _window_breaches(report: AuditReport, c: Contact, cred: Creditor, at: datetime) -> None:
    local = at.astimezone(AMS)
    minute = local.hour * 60 + local.minute
    if not 7 * 60 <= minute < 20 * 60:
        report.add("outside 07:00-20:00", c, f"sent {local:%Y-%m-%d %H:%M} Amsterdam")
    if local.weekday() == 6:
        report.add("on a Sunday", c, f"sent {local:%Y-%m-%d}")
    name = holiday_name(Country.NL, local.date())
    if name is not None:
        report.add("on a public holiday", c, f"sent {local:%Y-%m-%d} ({name})")
    window = creditor_settings(cred).window().window()
    if window.refusals(at):
        report.add("outside the creditor's window", c, "; ".join(window.refusals(at)))


def _paid_before(session: Session, contact: Contact, day: date) -> bool:
    rows = session.exec(
        select(col(Invoice.status), col(Invoice.paid_on))
        .join(ContactInvoice, col(ContactInvoice.invoice_id) == col(Invoice.id))
        .where(ContactInvoice.contact_id == contact.id)
    ).all()
    return bool(rows) and all(s == "paid" and p is not None and p < day for s, p in rows)


def audit(engine: Engine, since: datetime | None = None) -> AuditReport:
    """Audit every contact sent (at or after ``since``, when given)."""
    report = AuditReport()
    with Session(engine) as session:
        creditors = {c.id: c for c in session.exec(select(Creditor))}
        stmt = select(Contact).where(
            col(Contact.status).in_([ContactStatus.SENT.value, ContactStatus.DELIVERED.value]),
            col(Contact.sent_at).is_not(None),
        )
        if since is not None:
            stmt = stmt.where(col(Contact.sent_at) >= since)
        sent = session.exec(stmt.order_by(col(Contact.sent_at), col(Contact.id))).all()
        per_day: Counter[tuple[int, date]] = Counter()
        for c in sent:
            at, cred = c.sent_at, creditors[c.creditor_id]
            assert at is not None
            report.contacts += 1
            _window_breaches(report, c, cred, at)
            day = at.astimezone(AMS).date()
            if (c.template or "").startswith(RESPONSES):
                continue
            per_day[(c.debtor_id, day)] += 1
            if per_day[(c.debtor_id, day)] > 1:
                report.add("second dunning contact that day", c, f"debtor {c.debtor_id} on {day}")
            why = blocked_debtors(session, c.creditor_id, at, [c.debtor_id]).get(c.debtor_id)
            if why and "paused" in why:
                report.add("to a paused dossier", c, why)
            elif why:
                report.add("to a disputed dossier", c, why)
            if _paid_before(session, c, day):
                report.add("to a debtor whose invoices were paid", c, f"before {day}")
            if c.stage in (Stage.COLLECTION.value, Stage.BAILIFF.value):
                debtor = session.get(Debtor, c.debtor_id)
                if debtor is not None and debtor.kind == DebtorKind.B2C.value:
                    state = state_from_ledger(session, c.debtor_id, at - timedelta(microseconds=1))
                    earliest, reasons = costs_earliest_day(state)
                    if reasons or (earliest is not None and day < earliest):
                        detail = "; ".join(reasons) or f"costs due only from {earliest}"
                        report.add("B2C costs before a valid 14-day letter", c, detail)
    return report
