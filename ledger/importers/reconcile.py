"""Compare a batch with the ledger (new, unchanged, changed, conflicting); allocate payments.

Pure pandas on the batch and the :class:`~ledger.importers.ledger_state.LedgerState` snapshot; the
result is a :class:`Plan` the writer executes. Conflicts (an invoice number already in the ledger
with other content, a payment reference reused for another amount, an unknown debtor or invoice)
are collected into the error log; the writer never runs when there is one.
"""

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from ledger.importers.batch import Batch, Counts
from ledger.importers.errors import ROW, ErrorLog, shorten
from ledger.importers.ledger_state import DEBTOR_FIELDS, LedgerState
from ledger.importers.parsing import isin

_COMPARED = ("debtor_external_id", "issue_date", "due_date", "amount_cents", "currency",
             "payment_reference")  # fmt: skip
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]*[A-Za-z0-9]|[A-Za-z0-9]")


@dataclass
class Plan:
    new_debtors: pd.DataFrame
    changed_debtors: pd.DataFrame
    new_invoices: pd.DataFrame
    new_payments: pd.DataFrame
    allocations: pd.DataFrame  # external_ref, invoice_number, amount_cents
    invoice_updates: pd.DataFrame  # id, open_amount_cents, status, paid_on
    new_disputes: pd.DataFrame
    new_credit_notes: pd.DataFrame
    counts: dict[str, Counts] = field(default_factory=dict)
    unmatched_payments: int = 0


def _norm(value: object) -> str:
    """Comparable text: None/NaN/NA/NaT → '', lists by their sorted items."""
    if isinstance(value, list):
        return str(sorted(value))
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()[:10]
    return str(value)


def plan(batch: Batch, state: LedgerState, log: ErrorLog) -> Plan | None:
    """What to write, or None when ``log`` holds an error (the batch's own or a reference)."""
    counts: dict[str, Counts] = {}
    faulty = set(log.rows)  # rows with format errors: their content is not compared
    new_d, changed_d = _debtors(batch, state, counts)
    known_debtors = set(state.debtors["external_id"]) | set(new_d["external_id"])
    new_i = _invoices(batch, state, known_debtors, counts, log, faulty)
    all_inv = pd.concat([state.invoices.drop(columns="id"), new_i], ignore_index=True)
    pays = _payments(batch, state, all_inv, known_debtors, counts, log, faulty)
    if log:  # allocation needs resolvable references and valid amounts
        return None
    unmatched = int(((pays["invoice_number"] == "") & (pays["debtor_external_id"] == "")).sum())
    allocs, new_i, updates = _allocate(pays, new_i, state.invoices)
    counts.setdefault("invoices", Counts()).updated += len(updates)
    disputes = _new_keyed(batch.disputes, "note", state.dispute_keys, "disputes", counts)
    credits = _new_keyed(batch.credit_notes, "key", state.credit_note_keys, "credit_notes", counts)
    return Plan(new_d, changed_d, new_i, pays, allocs, updates, disputes, credits, counts,
                unmatched)  # fmt: skip


def _debtors(
    batch: Batch, state: LedgerState, counts: dict[str, Counts]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = batch.debtors if batch.debtors is not None else pd.DataFrame(columns=["external_id"])
    known = state.debtors.set_index("external_id")
    is_new = ~isin(frame["external_id"], known.index)
    new, old = frame.loc[is_new], frame.loc[~is_new]
    changed = old.iloc[0:0]
    if batch.debtor_mode == "upsert" and len(old):
        cols = [*DEBTOR_FIELDS, "segment"]
        theirs = known.loc[old["external_id"], cols].map(_norm).reset_index(drop=True)
        ours = old[cols].map(_norm).reset_index(drop=True)
        differs = (theirs != ours).any(axis=1).to_numpy()
        changed = old.loc[differs].copy()
        changed["id"] = known.loc[changed["external_id"], "id"].to_numpy()
    if batch.debtors is not None:
        counts["debtors"] = Counts(len(new), len(old) - len(changed), len(changed))
    return new, changed


def _invoices(
    batch: Batch,
    state: LedgerState,
    known_debtors: set[str],
    counts: dict[str, Counts],
    log: ErrorLog,
    faulty: set[int],
) -> pd.DataFrame:
    frame = batch.invoices
    if frame is None:
        return state.invoices.iloc[0:0].drop(columns="id")
    unknown = ~isin(frame["debtor_external_id"], known_debtors) & (
        frame["debtor_external_id"] != ""
    )
    log.add_mask(frame, unknown, "debtor_external_id",
                 "unknown debtor {value!r} (import the debtors first)")  # fmt: skip
    known = state.invoices.set_index("number")
    exists = isin(frame["number"], known.index)
    old = frame.loc[exists & ~frame[ROW].isin(faulty)]
    if len(old):
        theirs = known.loc[old["number"], list(_COMPARED)].map(_norm).reset_index(drop=True)
        ours = old[list(_COMPARED)].map(_norm).reset_index(drop=True)
        diff = theirs != ours
        for pos in diff.index[diff.any(axis=1)]:
            cols = [c for c in _COMPARED if diff.at[pos, c]]
            pairs = [(c, shorten(ours.at[pos, c]), shorten(theirs.at[pos, c])) for c in cols]
            detail = "; ".join(f"{c} {mine!r} ≠ {known!r}" for c, mine, known in pairs)
            number = shorten(old["number"].iloc[pos])
            log.add(int(old[ROW].iloc[pos]), "number", f"invoice {number!r} is already in the "
                    f"ledger with different content ({detail})")  # fmt: skip
    counts["invoices"] = Counts(int((~exists).sum()), int(exists.sum()), 0)
    return frame.loc[~exists].copy()


def _payments(
    batch: Batch,
    state: LedgerState,
    invoices: pd.DataFrame,
    known_debtors: set[str],
    counts: dict[str, Counts],
    log: ErrorLog,
    faulty: set[int],
) -> pd.DataFrame:
    frame = batch.payments
    if frame is None:
        cols = ["external_ref", "invoice_number", "debtor_external_id", "amount_cents", "paid_on",
                "reference", "source", ROW]  # fmt: skip
        return pd.DataFrame(columns=cols)
    frame = frame.copy()
    _match_by_text(frame, invoices)
    numbers = set(invoices["number"])
    given = frame["invoice_number"] != ""
    log.add_mask(frame, given & ~isin(frame["invoice_number"], numbers), "invoice_number",
                 "unknown invoice {value!r}")  # fmt: skip
    deb = frame["debtor_external_id"] != ""
    log.add_mask(frame, deb & ~isin(frame["debtor_external_id"], known_debtors),
                 "debtor_external_id", "unknown debtor {value!r}")  # fmt: skip
    owners = invoices.drop_duplicates("number").set_index("number")["debtor_external_id"]
    owner = frame["invoice_number"].map(owners)
    clash = deb & given & owner.notna() & (owner != frame["debtor_external_id"])
    log.add_mask(frame, clash, "debtor_external_id",
                 "debtor {value!r} does not own the invoice named on this row")  # fmt: skip
    frame["debtor_external_id"] = frame["debtor_external_id"].where(~given | owner.isna(), owner)
    known = state.payments.set_index("external_ref")
    exists = isin(frame["external_ref"], known.index)
    old = frame.loc[exists & ~frame[ROW].isin(faulty)]
    if len(old):
        same = (
            known.loc[old["external_ref"], "amount_cents"].to_numpy() == old["amount_cents"]
        ) & (known.loc[old["external_ref"], "paid_on"].to_numpy() == old["paid_on"])
        hint = "payment {value!r} is already in the ledger with another amount or date"
        log.add_mask(old, ~same, "external_ref", hint)
    counts["payments"] = Counts(int((~exists).sum()), int(exists.sum()), 0)
    return frame.loc[~exists]


def _match_by_text(frame: pd.DataFrame, invoices: pd.DataFrame) -> None:
    """CAMT: find the invoice by payment reference, else by an invoice number in the text."""
    todo = (frame["invoice_number"] == "") & (frame["match_text"] != "")
    if not bool(todo.any()):
        return
    order = invoices.assign(_open=invoices["open_amount_cents"] > 0).sort_values(
        "_open", ascending=False, kind="stable"
    )
    by_ref: dict[str, str] = {}
    for ref, number in zip(order["payment_reference"], order["number"], strict=True):
        key = _squash(_norm(ref))
        if key and key not in by_ref:
            by_ref[key] = number
    numbers = {_squash(n): n for n in order["number"]}
    for idx in frame.index[todo]:
        found = by_ref.get(_squash(str(frame.at[idx, "reference"])), "")
        if not found:
            for token in _TOKEN.findall(str(frame.at[idx, "match_text"])):
                found = numbers.get(_squash(token), "") or by_ref.get(_squash(token), "")
                if found:
                    break
        frame.at[idx, "invoice_number"] = found


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def _allocate(
    pays: pd.DataFrame, new_inv: pd.DataFrame, old_inv: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Oldest payment first, each payment to its invoice up to the open amount (vectorised)."""
    new_inv = new_inv.copy()
    new_inv["status"] = new_inv["status"].where(
        new_inv["status"] != "",
        new_inv["open_amount_cents"].eq(0).map({True: "paid", False: "open"}),
    )
    p = pays.loc[pays["invoice_number"] != ""].sort_values(["paid_on", "external_ref"])
    if p.empty:
        no_allocs = pd.DataFrame(columns=["external_ref", "invoice_number", "amount_cents"])
        return (
            no_allocs,
            new_inv,
            old_inv.iloc[0:0][["id", "open_amount_cents", "status", "paid_on"]],
        )
    p["amount_cents"] = p["amount_cents"].astype("int64")
    opened = pd.concat([old_inv.set_index("number")["open_amount_cents"],
                        new_inv.set_index("number")["open_amount_cents"]])  # fmt: skip
    p = p.assign(open0=p["invoice_number"].map(opened).astype("int64"))
    p["before"] = p.groupby("invoice_number")["amount_cents"].cumsum() - p["amount_cents"]
    room = (p["open0"] - p["before"]).clip(lower=0)
    p["alloc"] = room.where(room < p["amount_cents"], p["amount_cents"])
    settled = (p["before"] < p["open0"]) & (p["before"] + p["amount_cents"] >= p["open0"])
    allocs = p.loc[p["alloc"] > 0, ["external_ref", "invoice_number", "alloc"]].rename(
        columns={"alloc": "amount_cents"}
    )
    total = allocs.groupby("invoice_number")["amount_cents"].sum()
    paid_on = p.loc[settled].groupby("invoice_number")["paid_on"].min()
    is_new = isin(new_inv["number"], total.index)
    num = new_inv.loc[is_new, "number"]
    new_inv.loc[is_new, "open_amount_cents"] -= num.map(total).to_numpy()
    done = is_new & isin(new_inv["number"], paid_on.index)
    if bool(done.any()):
        new_inv.loc[done, "status"] = "paid"
        new_inv.loc[done, "paid_on"] = new_inv.loc[done, "number"].map(paid_on)
    old = old_inv.loc[isin(old_inv["number"], total.index)].copy()
    # astype: on no rows, pandas' map answers with a str dtype that int64 cannot subtract
    old["open_amount_cents"] = old["open_amount_cents"] - old["number"].map(total).astype("int64")
    now_paid = isin(old["number"], paid_on.index)
    if bool(now_paid.any()):
        old.loc[now_paid, "status"] = "paid"
        old.loc[now_paid, "paid_on"] = old.loc[now_paid, "number"].map(paid_on)
    return allocs, new_inv, old[["id", "open_amount_cents", "status", "paid_on"]]


def _new_keyed(
    frame: pd.DataFrame | None, key: str, known: set[str], kind: str, counts: dict[str, Counts]
) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame()
    is_new = ~isin(frame[key], known)
    counts[kind] = Counts(int(is_new.sum()), int((~is_new).sum()), 0)
    return frame.loc[is_new]
