"""The dossier export for a collection agency or bailiff: one ZIP per debtor.

``dunflow dossier export`` and ``GET /v1/debtors/{id}/export.zip`` return :func:`export_zip`:

* ``summary.pdf`` — debtor, invoices, the claim (principal, statutory interest per invoice, WIK
  costs where the law allows them) as of the hand-off day (today when not handed off), the
  14-day letter with its date and proof of sending, and the timeline of every contact and outcome;
* ``dossier.json`` — the same as data; ``invoices.csv``, ``timeline.csv`` and ``claim.csv`` for
  an agency's import (amounts in cents, dates ISO).

The claim is the ``handed_off`` event's own (:mod:`serving.operate.handoff`), so an export made
later states what was handed off. Internal row ids stay out of the texts. This module only reads.
"""

import csv
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session, col, select

from ledger import dossier
from ledger.tables import Contact, Creditor, Debtor, Invoice
from policy import state_from_ledger
from policy.claim import claim_on
from policy.money import format_eur
from serving.operate.handoff import claim_json, fourteen_day_letter, handed_off_event
from serving.senders.documents import html_to_pdf

FILES = ("summary.pdf", "dossier.json", "invoices.csv", "timeline.csv", "claim.csv")
INVOICE_COLUMNS = (
    "number", "issue_date", "due_date", "amount_cents", "open_amount_cents", "currency", "status",
    "paid_on",
)  # fmt: skip
TIMELINE_COLUMNS = ("at", "kind", "actor", "detail")
_HIDDEN = ("claim", "attempts", "note_html")


def _detail(payload: dict[str, Any]) -> str:
    """A payload as ``key=value; …`` without internal ids or the bulky parts."""
    shown = {
        k: v
        for k, v in payload.items()
        if v not in (None, [], {})
        and k != "id"
        and not k.endswith(("_id", "_ids"))
        and k not in _HIDDEN
    }
    return "; ".join(f"{k}={v}" for k, v in shown.items())


def timeline(session: Session, debtor: Debtor) -> list[dict[str, str]]:
    """Every dossier event and every contact, in time order."""
    rows = [
        {
            "at": e.occurred_at.isoformat(),
            "kind": e.kind,
            "actor": e.actor,
            "detail": _detail(e.payload),
        }
        for e in dossier.timeline(session, creditor_id=debtor.creditor_id, debtor_id=debtor.id or 0)
    ]
    for c in session.exec(
        select(Contact).where(
            Contact.creditor_id == debtor.creditor_id, Contact.debtor_id == debtor.id
        )
    ):
        at = c.sent_at or c.scheduled_at or c.created_at
        receipt = f"; proof: {c.receipt}" if c.receipt else ""
        rows.append(
            {
                "at": at.isoformat(),
                "kind": f"contact {c.channel} ({c.stage}, {c.tone})",
                "actor": "dispatcher",
                "detail": f"{c.status}; {c.template or ''}{receipt}",
            }
        )
    return sorted(rows, key=lambda r: r["at"])


def dossier_data(session: Session, debtor: Debtor, now: datetime) -> dict[str, Any]:
    creditor = session.get(Creditor, debtor.creditor_id)
    assert creditor is not None  # a foreign key
    handed = handed_off_event(session, debtor)
    if handed is not None:
        claim = handed.payload["claim"]
    else:
        day = now.astimezone(ZoneInfo(creditor.timezone)).date()
        claim = claim_json(claim_on(state_from_ledger(session, debtor.id or 0, now), day))
    invoices = session.exec(
        select(Invoice)
        .where(Invoice.creditor_id == debtor.creditor_id, Invoice.debtor_id == debtor.id)
        .order_by(col(Invoice.due_date), col(Invoice.number))
    ).all()
    return {
        "creditor": {"name": creditor.name, "iban": creditor.iban, "bic": creditor.bic},
        "debtor": debtor.model_dump(
            mode="json", exclude={"id", "creditor_id", "segment_id", "created_at"}
        ),
        "handoff": (
            {k: v for k, v in handed.payload.items() if k in ("stage", "on", "note")}
            if handed is not None
            else None
        ),
        "invoices": [
            {k: v for k, v in i.model_dump(mode="json").items() if k in INVOICE_COLUMNS}
            for i in invoices
        ],
        "claim": claim,
        "fourteen_day_letter": fourteen_day_letter(session, debtor),
        "timeline": timeline(session, debtor),
        "exported": now.isoformat(timespec="seconds"),
    }


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _claim_rows(claim: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [{"item": "invoice", **line, "interest_to": claim["on"]} for line in claim["lines"]]
    rows.append({"item": "collection_costs", "principal_cents": claim["costs_cents"]})
    rows.append({"item": "total", "principal_cents": claim["total_cents"]})
    return rows


CLAIM_COLUMNS = (
    "item", "number", "due_date", "principal_cents", "interest_from", "interest_to",
    "interest_cents",
)  # fmt: skip


def summary_html(data: dict[str, Any]) -> str:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(),
    )
    language = str(data["debtor"].get("language") or "nl")
    return env.get_template("dossier_summary.html.j2").render(
        **data, money=lambda cents: format_eur(int(cents), language)
    )


def export_zip(session: Session, debtor: Debtor, now: datetime) -> bytes:
    """The ZIP of :data:`FILES` for one debtor."""
    data = dossier_data(session, debtor, now)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("summary.pdf", html_to_pdf(summary_html(data)))
        zf.writestr("dossier.json", json.dumps(data, indent=2, ensure_ascii=False))
        zf.writestr("invoices.csv", _csv(INVOICE_COLUMNS, data["invoices"]))
        zf.writestr("timeline.csv", _csv(TIMELINE_COLUMNS, data["timeline"]))
        zf.writestr("claim.csv", _csv(CLAIM_COLUMNS, _claim_rows(data["claim"])))
    return buffer.getvalue()
