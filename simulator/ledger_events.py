"""Ledger rows for what happened: invoices (final state), payments and allocations, contacts and
the invoices they covered, outcomes, and the dossier log. Used by :mod:`simulator.ledger_rows`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ledger.enums import ContactStatus, OutcomeKind
from simulator.actions import ACTIONS
from simulator.book import PAID, STATUS_NAMES
from simulator.history import History

Row = dict[str, Any]
At = Callable[..., datetime]
ATTRIBUTION_DAYS = 14


def fill(
    out: dict[str, list[Row]],
    h: History,
    ids: dict[str, int],
    cred_id: list[int],
    deb_id: NDArray[np.int64],
    ext: list[str],
    prefix: list[str],
    at: At,
) -> None:
    from simulator.ledger_rows import stage_of

    w = h.world
    pop, cal = w.pop, w.cal
    cred_of_deb = [cred_id[c] for c in pop.creditor.tolist()]
    inv_id = ids["invoice"] + np.arange(pop.n_invoices)
    seq = np.zeros(len(cred_id), dtype=np.int64)
    numbers: list[str] = []
    for c, issue in zip(pop.creditor[pop.inv_debtor].tolist(), pop.inv_issue.tolist(), strict=True):
        seq[c] += 1
        numbers.append(f"{prefix[c]}-{cal.date_of(issue).year}-{seq[c]:06d}")
    inv_deb = pop.inv_debtor.tolist()
    status, paid_day = w.inv_status.tolist(), w.inv_paid_day.tolist()
    out["invoice"] = [
        {
            "id": int(inv_id[j]),
            "creditor_id": cred_of_deb[d],
            "debtor_id": int(deb_id[d]),
            "number": numbers[j],
            "issue_date": cal.date_of(iss),
            "due_date": cal.date_of(due),
            "amount_cents": amt,
            "open_amount_cents": opn,
            "currency": "EUR",
            "status": STATUS_NAMES[status[j]].value,
            "payment_reference": numbers[j],
            "paid_on": cal.date_of(paid_day[j]) if status[j] == PAID else None,
            "created_at": at(iss, 8),
        }
        for j, (d, iss, due, amt, opn) in enumerate(
            zip(
                inv_deb,
                pop.inv_issue.tolist(),
                pop.inv_due.tolist(),
                pop.inv_amount.tolist(),
                w.inv_open.tolist(),
                strict=True,
            )
        )
    ]
    dossier: list[Row] = [
        _ev(
            cred_of_deb[d],
            int(deb_id[d]),
            int(inv_id[j]),
            at(iss, 8),
            "invoice_issued",
            {"number": numbers[j], "amount_cents": amt},
        )
        for j, (d, iss, amt) in enumerate(
            zip(inv_deb, pop.inv_issue.tolist(), pop.inv_amount.tolist(), strict=True)
        )
    ]
    # payments and allocations
    pm, al = h.payment, h.alloc
    pay_id = ids["payment"] + np.arange(pm["debtor"].size)
    first_inv = np.full(pm["debtor"].size, -1)
    first_inv[al["payment"][::-1]] = al["invoice"][::-1]
    out["payment"] = [
        {
            "id": int(pay_id[k]),
            "creditor_id": cred_of_deb[d],
            "debtor_id": int(deb_id[d]),
            "amount_cents": amt,
            "paid_on": cal.date_of(day),
            "reference": numbers[fi],
            "external_ref": f"SIM{w.seed}-{k:07d}",
            "source": "simulator",
            "created_at": at(day, 21),
        }
        for k, (d, amt, day, fi) in enumerate(
            zip(
                pm["debtor"].tolist(),
                pm["amount"].tolist(),
                pm["day"].tolist(),
                first_inv.tolist(),
                strict=True,
            )
        )
    ]
    out["paymentallocation"] = [
        {
            "payment_id": int(pay_id[p]),
            "invoice_id": int(inv_id[i]),
            "creditor_id": cred_of_deb[inv_deb[i]],
            "amount_cents": a,
        }
        for p, i, a in zip(
            al["payment"].tolist(), al["invoice"].tolist(), al["amount"].tolist(), strict=True
        )
    ]
    dossier += [
        _ev(
            cred_of_deb[d],
            int(deb_id[d]),
            None,
            at(day, 21),
            "payment_received",
            {"amount_cents": amt, "payment_id": int(pay_id[k])},
        )
        for k, (d, amt, day) in enumerate(
            zip(pm["debtor"].tolist(), pm["amount"].tolist(), pm["day"].tolist(), strict=True)
        )
    ]
    # contacts, links, outcomes
    c = h.contact
    con_id = ids["contact"] + np.arange(c["debtor"].size)
    contacts, outcomes = [], []
    oid = ids["outcome"]
    for k in range(c["debtor"].size):
        d, day, a = int(c["debtor"][k]), int(c["day"][k]), ACTIONS[int(c["action"][k])]
        sent = at(day, a.hour)
        stage = stage_of(int(c["dpd"][k]), bool(pop.b2c[d]), a.channel, a.tone)
        cid, cr, did = int(con_id[k]), cred_of_deb[d], int(deb_id[d])
        contacts.append(
            {
                "id": cid,
                "creditor_id": cr,
                "debtor_id": did,
                "channel": a.channel.value,
                "tone": a.tone.value,
                "stage": stage.value,
                "scheduled_at": sent,
                "sent_at": sent,
                "status": ContactStatus.SENT.value,
                "cost_cents": int(c["cost_cents"][k]),
                "template": f"{stage.value}_{a.channel.value}_{a.tone.value}",
                "model_version": h.model_version,
                "propensity": float(c["propensity"][k]),
                "idempotency_key": f"{ext[d]}:{cal.date_of(day).isoformat()}:{stage.value}",
                "created_at": sent,
            }
        )
        dossier.append(
            _ev(
                cr,
                did,
                None,
                sent,
                "contact_sent",
                {"contact_id": cid, "action": a.label, "stage": stage.value},
            )
        )
        results: list[tuple[OutcomeKind, int, Any]] = []
        if not c["reached"][k]:
            results.append((OutcomeKind.UNREACHABLE, 30, None))
        if c["promised"][k]:
            results.append((OutcomeKind.PROMISE, 10, cal.date_of(int(c["promise_day"][k]))))
        if c["disputed"][k]:
            results.append((OutcomeKind.DISPUTE, 40, None))
        if c["complained"][k]:
            results.append((OutcomeKind.COMPLAINT, 50, None))
        for kind, minutes, pdate in results:
            when = at(day, a.hour, minutes)
            outcomes.append(
                {
                    "id": oid,
                    "creditor_id": cr,
                    "contact_id": cid,
                    "debtor_id": did,
                    "kind": kind.value,
                    "promised_date": pdate,
                    "occurred_at": when,
                    "note": None,
                }
            )
            oid += 1
            dossier.append(
                _ev(
                    cr,
                    did,
                    None,
                    when,
                    f"outcome_{kind.value}",
                    {"contact_id": cid} | ({"promised_date": pdate.isoformat()} if pdate else {}),
                )
            )
    out["contact"] = contacts
    cov = h.covered
    out["contactinvoice"] = [
        {
            "contact_id": int(con_id[ci]),
            "invoice_id": int(inv_id[i]),
            "creditor_id": cred_of_deb[inv_deb[i]],
        }
        for ci, i in zip(cov["contact"].tolist(), cov["invoice"].tolist(), strict=True)
    ]
    # a payment within ATTRIBUTION_DAYS of the debtor's latest contact is that contact's outcome
    key_c = c["debtor"].astype(np.int64) * 100_000 + c["day"].astype(np.int64)
    order = np.argsort(key_c, kind="stable")
    key_p = pm["debtor"].astype(np.int64) * 100_000 + pm["day"].astype(np.int64)
    pos = np.searchsorted(key_c[order], key_p, side="right") - 1
    for k in np.flatnonzero(pos >= 0).tolist():
        ck = int(order[pos[k]])
        if c["debtor"][ck] != pm["debtor"][k] or pm["day"][k] - c["day"][ck] > ATTRIBUTION_DAYS:
            continue
        d = int(pm["debtor"][k])
        outcomes.append(
            {
                "id": oid,
                "creditor_id": cred_of_deb[d],
                "contact_id": int(con_id[ck]),
                "debtor_id": int(deb_id[d]),
                "kind": OutcomeKind.PAID.value,
                "promised_date": None,
                "occurred_at": at(int(pm["day"][k]), 21),
                "note": f"payment {int(pay_id[k])}",
            }
        )
        oid += 1
    out["outcome"] = outcomes
    for day, d in zip(h.broken["day"].tolist(), h.broken["debtor"].tolist(), strict=True):
        dossier.append(_ev(cred_of_deb[d], int(deb_id[d]), None, at(day, 22), "promise_broken", {}))
    rs = h.resolved
    for day, d, cr in zip(
        rs["day"].tolist(), rs["debtor"].tolist(), rs["credited"].tolist(), strict=True
    ):
        dossier.append(
            _ev(
                cred_of_deb[d],
                int(deb_id[d]),
                None,
                at(day, 6),
                "dispute_resolved",
                {"credited": bool(cr)},
            )
        )
    for day, i in zip(h.handover["day"].tolist(), h.handover["invoice"].tolist(), strict=True):
        dossier.append(
            _ev(
                cred_of_deb[inv_deb[i]],
                int(deb_id[inv_deb[i]]),
                int(inv_id[i]),
                at(day, 6, 30),
                "handed_to_collection",
                {"number": numbers[i]},
            )
        )
    dossier.sort(key=lambda r: (r["occurred_at"], r["debtor_id"] or 0, r["kind"]))
    for n, row in enumerate(dossier):
        row["id"] = ids["dossierevent"] + n
    out["dossierevent"] = dossier
    from simulator.ledger_decisions import decision_rows

    out["recommendation"] = decision_rows(h, cred_of_deb, deb_id, at, stage_of)


def _ev(
    cr: int, did: int | None, iid: int | None, when: datetime, kind: str, payload: dict[str, Any]
) -> Row:
    return {
        "creditor_id": cr,
        "debtor_id": did,
        "invoice_id": iid,
        "occurred_at": when,
        "kind": kind,
        "actor": "simulator",
        "payload": payload,
        "recorded_at": when,
    }
