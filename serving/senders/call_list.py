"""The phone channel: a daily call list (CSV) for a call centre or the creditor's own staff.

Each message appends one row to the creditor's own list of the day,
``<DUNFLOW_OUTBOX_DIR>/call_lists/<creditor>/<YYYY-MM-DD>.csv`` (:func:`call_list_path`): who
to call (debtor, numbers, language), about what (invoices, total open amount, kind), how (tone),
and when (five attempts at different day/time slots, see :mod:`serving.senders.call_slots`). The
caller reports each outcome (will pay on date X, wants a copy, complaint, unreachable after five
tries) through ``POST /v1/calls/outcomes`` quoting the row's ``idempotency_key`` as its row key.

Options (``sender_config["phone"]``): ``weekdays`` (list, Monday = 0; narrows Monday–Saturday).
From ``message.extra``: ``phones`` (more numbers), ``attempt_slots`` (five ISO datetimes computed
by the caller, e.g. with the policy's contact window, used instead of the default ones). Rows are
appended under an exclusive ``fcntl.flock`` and a key already in the file is never appended
again, so two dispatchers can run side by side. This sender must never rewrite or reorder rows
already in the file.
"""

import csv
import fcntl
import io
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger.enums import Channel
from ledger.types import utcnow
from serving.senders.base import Message, PermanentSendError, Receipt, TransientSendError
from serving.senders.call_slots import DEFAULT_WEEKDAYS, attempt_slots
from serving.senders.formatting import normalise_phone, safe_name
from serving.senders.outbox_files import LOCAL_TZ
from serving.senders.settings import SenderSettings

COLUMNS = (
    "idempotency_key",
    "creditor",
    "debtor_external_id",
    "debtor_name",
    "phone_numbers",
    "language",
    "kind",
    "invoices",
    "total_open",
    "currency",
    "suggested_tone",
    *(f"attempt_{n}" for n in range(1, 6)),
    "queued_at",
)


def call_list_path(outbox_dir: Path, creditor: str, day: str) -> Path:
    """The creditor's own call list of ``day`` (YYYY-MM-DD): lists never mix creditors."""
    return outbox_dir / "call_lists" / safe_name(creditor) / f"{day}.csv"


def _amount(cents: int) -> str:
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


class CallListSender:
    """Appends a row per message to the day's call list."""

    name = "call_list"
    channels = frozenset({Channel.PHONE})

    def __init__(self, settings: SenderSettings, options: Mapping[str, Any] | None = None) -> None:
        self.settings = settings
        self.options = dict(options or {})

    def row(self, message: Message, queued_at: datetime) -> dict[str, str]:
        debtor = message.debtor
        phones = [debtor.phone, *message.extra.get("phones", ())]
        numbers = list(dict.fromkeys(normalise_phone(p, debtor.country) for p in phones if p))
        if not numbers:
            raise PermanentSendError(f"debtor {debtor.external_id} has no phone number")
        given = message.extra.get("attempt_slots")
        if given:
            slots = [datetime.fromisoformat(str(s)).astimezone(LOCAL_TZ) for s in given]
        else:
            slots = attempt_slots(
                message.send_at,
                country=message.creditor.country,
                weekdays=self.options.get("weekdays", DEFAULT_WEEKDAYS),
            )
        row = {
            "idempotency_key": message.idempotency_key,
            "creditor": message.creditor.name,
            "debtor_external_id": debtor.external_id,
            "debtor_name": debtor.name,
            "phone_numbers": " ".join(numbers),
            "language": message.language,
            "kind": message.kind,
            "invoices": " ".join(line.number for line in message.invoices),
            "total_open": _amount(message.total_open_cents),
            "currency": message.currency,
            "suggested_tone": str(message.tone),
            "queued_at": queued_at.isoformat(),
        }
        row.update(
            {f"attempt_{n}": s.isoformat(timespec="minutes") for n, s in enumerate(slots, 1)}
        )
        return row

    def send(self, message: Message) -> Receipt:
        day = message.send_at.astimezone(LOCAL_TZ).date().isoformat()
        path = call_list_path(self.settings.outbox_dir, message.creditor.name, day)
        provider_id = f"call_lists/{path.parent.name}/{day}.csv#{message.idempotency_key}"
        row = self.row(message, utcnow())
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a+", encoding="utf-8", newline="") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                fh.seek(0)
                text = fh.read()
                for existing in csv.DictReader(io.StringIO(text)):
                    if existing.get("idempotency_key") == message.idempotency_key:
                        queued = datetime.fromisoformat(existing["queued_at"])
                        return Receipt(self.name, provider_id, queued, "already on the call list")
                out = io.StringIO()
                writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
                if not text:
                    writer.writeheader()
                writer.writerow(row)
                fh.write(out.getvalue())
                fh.flush()
        except OSError as err:
            raise TransientSendError(f"cannot write {path}: {err}") from err
        return Receipt(
            self.name, provider_id, datetime.fromisoformat(row["queued_at"]), "on the call list"
        )
