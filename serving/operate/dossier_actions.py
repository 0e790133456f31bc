"""What a person does to a dossier, each a dossier event: pause (until a date, or until resumed),
resume, dispute, resolve a dispute (a credit note or reopen), record a promise, add a note, hand
the dossier off to collection (:mod:`serving.operate.handoff`).

:data:`DossierAction` is one pydantic union (the field ``action`` says which), the body of
``POST /v1/debtors/{id}/actions`` and what ``dunflow dossier …`` builds; :func:`act` does it in the
caller's session. The rules read the results from the ledger (:mod:`policy.ledger_state`:
``paused``/``resumed`` with ``until``, dispute outcomes and ``dispute_resolved``, promise
outcomes), so a paused or disputed dossier gets nothing until it is resumed or resolved; pending
contacts no longer wanted are cancelled in the same transaction. This module must never plan a
contact itself, nor act on another creditor's debtor.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.enums import ContactStatus, InvoiceStatus, OutcomeKind
from ledger.tables import Contact, Creditor, Debtor, Invoice, Outcome
from serving.scheduler.outbox import cancel

Text = Annotated[str, Field(min_length=1, max_length=500)]


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Pause(_Action):
    action: Literal["pause"]
    until: date | None = Field(
        default=None, description="The day the flow resumes by itself; none: until resumed."
    )
    reason: Text = Field(description="Why (kept in the dossier).")


class Resume(_Action):
    action: Literal["resume"]
    reason: str | None = Field(default=None, max_length=500)


class Dispute(_Action):
    action: Literal["dispute"]
    reason: Text = Field(description="What the debtor disputes.")
    invoice_numbers: list[Annotated[str, Field(max_length=64)]] = Field(
        default=[], max_length=1000, description="The invoices disputed (none: the dossier)."
    )


class Resolve(_Action):
    action: Literal["resolve_dispute"]
    resolution: Literal["credit_note", "reopen"] = Field(
        description="credit_note: the credit lowers the invoice; reopen: the claim stands."
    )
    invoice_number: str | None = Field(
        default=None, max_length=64, description="credit_note: the invoice credited."
    )
    credit_cents: int | None = Field(
        default=None, ge=1, le=2**53, description="credit_note: the amount credited."
    )
    note: str | None = Field(default=None, max_length=500)


class Promise(_Action):
    action: Literal["promise"]
    amount_cents: int = Field(ge=1, le=2**53, description="The amount promised.")
    promised_date: date = Field(description="The day the debtor will pay by.")
    note: str | None = Field(default=None, max_length=500)


class Note(_Action):
    action: Literal["note"]
    text: Text


class HandOff(_Action):
    action: Literal["hand_off"]
    stage: Literal["collection", "bailiff"] = Field(
        default="collection", description="To a collection agency or to a bailiff."
    )
    note: str | None = Field(default=None, max_length=500)


DossierAction = Annotated[
    Pause | Resume | Dispute | Resolve | Promise | Note | HandOff, Field(discriminator="action")
]


class ActionRefusedError(ValueError):
    """The action does not fit the dossier; ``field`` names the input at fault. ``problem`` is
    the API's English; ``code`` and ``params`` let another surface (the web app) word it."""

    def __init__(self, field: str, problem: str, code: str, **params: object) -> None:
        super().__init__(problem)
        self.field = field
        self.code = code
        self.params = params


def _invoice(session: Session, debtor: Debtor, number: str, field: str) -> Invoice:
    row = session.exec(
        select(Invoice).where(
            Invoice.creditor_id == debtor.creditor_id,
            Invoice.debtor_id == debtor.id,
            Invoice.number == number,
        )
    ).first()
    if row is None:
        raise ActionRefusedError(
            field, f"the debtor has no invoice {number!r}", "no_invoice", number=number
        )
    return row


def act(
    session: Session, debtor: Debtor, action: Any, *, actor: str, now: datetime
) -> dict[str, Any]:
    """Do ``action`` (one of :data:`DossierAction`'s) to the debtor's dossier; returns what was
    recorded. :class:`ActionRefusedError` names the field when it does not fit (nothing is
    written)."""
    cid, did = debtor.creditor_id, debtor.id or 0
    if isinstance(action, HandOff):
        from serving.operate.handoff import hand_off  # it cancels through this module

        creditor = session.get(Creditor, cid)
        assert creditor is not None  # a foreign key
        done = hand_off(
            session, creditor, debtor, now, actor=actor[:40], stage=action.stage, note=action.note
        )
        session.flush()
        return {"action": "hand_off", "event_id": done.id, "claim": done.payload["claim"]}
    kind: str = action.action
    payload: dict[str, Any] = action.model_dump(mode="json", exclude={"action"})
    answer: dict[str, Any] = {"action": kind}
    if isinstance(action, Pause):
        if action.until is not None and action.until <= now.date():
            raise ActionRefusedError(
                "until", f"{action.until} is not after today", "not_after_today", day=action.until
            )
        kind = "paused"
    elif isinstance(action, Resume):
        kind = "resumed"
    elif isinstance(action, Dispute):
        for number in action.invoice_numbers:
            _invoice(session, debtor, number, "invoice_numbers")
        outcome = Outcome(
            creditor_id=cid,
            debtor_id=did,
            kind=OutcomeKind.DISPUTE.value,
            occurred_at=now,
            note=action.reason,
        )
        session.add(outcome)
        session.flush()
        payload["outcome_id"] = outcome.id
        kind = "outcome_dispute"
    elif isinstance(action, Resolve):
        kind = "dispute_resolved"
        if action.resolution == "credit_note":
            if action.invoice_number is None or action.credit_cents is None:
                missing = "invoice_number" if action.invoice_number is None else "credit_cents"
                raise ActionRefusedError(
                    missing, "a credit note names the invoice and the amount", "credit_note_needs"
                )
            invoice = _invoice(session, debtor, action.invoice_number, "invoice_number")
            if action.credit_cents > invoice.open_amount_cents:
                raise ActionRefusedError(
                    "credit_cents",
                    f"more than the {invoice.open_amount_cents} cents open",
                    "more_than_open",
                    cents=invoice.open_amount_cents,
                )
            invoice.open_amount_cents -= action.credit_cents
            if invoice.open_amount_cents == 0:
                invoice.status = InvoiceStatus.WRITTEN_OFF.value
            elif invoice.status == InvoiceStatus.DISPUTED.value:
                invoice.status = InvoiceStatus.OPEN.value
            session.add(invoice)
            payload["open_amount_cents"] = invoice.open_amount_cents
        else:  # the claim stands: invoices held as disputed go back into the flow
            for invoice in session.exec(
                select(Invoice).where(
                    Invoice.creditor_id == cid,
                    Invoice.debtor_id == did,
                    col(Invoice.status) == InvoiceStatus.DISPUTED.value,
                )
            ):
                invoice.status = InvoiceStatus.OPEN.value
                session.add(invoice)
    elif isinstance(action, Promise):
        if action.promised_date < now.date():
            raise ActionRefusedError("promised_date", "lies in the past", "in_the_past")
        outcome = Outcome(
            creditor_id=cid,
            debtor_id=did,
            kind=OutcomeKind.PROMISE.value,
            promised_date=action.promised_date,
            occurred_at=now,
            note=action.note,
        )
        session.add(outcome)
        session.flush()
        payload["outcome_id"] = outcome.id
        kind = "outcome_promise"
    elif isinstance(action, Note):
        kind = "note"
    event = dossier.record(
        session,
        creditor_id=cid,
        debtor_id=did,
        kind=kind,
        actor=actor[:40],
        occurred_at=now,
        payload=payload,
    )
    if kind in ("paused", "outcome_dispute"):
        answer["cancelled_contacts"] = cancel_all_planned(session, debtor, now, reason=kind)
    session.flush()
    answer["event_id"] = event.id
    return answer


def cancel_all_planned(session: Session, debtor: Debtor, now: datetime, *, reason: str) -> int:
    """Cancel every planned contact of the debtor (the whole dossier is on hold)."""
    planned = session.exec(
        select(Contact).where(
            Contact.creditor_id == debtor.creditor_id,
            Contact.debtor_id == debtor.id,
            Contact.status == ContactStatus.PLANNED.value,
        )
    ).all()
    for contact in planned:
        cancel(session, contact, now=now, reason=f"{reason}: the dossier is on hold")
    return len(planned)
