"""The local SMS/robocall sink: one JSON line per message in ``<outbox>/sms/<date>.jsonl``.

For the demo and tests, so SMS and robocalls need no HTTP provider. Each line holds what the
webhook would have posted (key, channel, to, text or script). Idempotent by key under a file
lock. This sink must never be configured for a real creditor: nobody reads its lines to a phone.
"""

import fcntl
import json
from collections.abc import Mapping
from typing import Any

from ledger.enums import Channel
from ledger.types import utcnow
from serving.senders.base import Message, Receipt, TransientSendError
from serving.senders.outbox_files import LOCAL_TZ
from serving.senders.settings import SenderSettings
from serving.senders.webhook import payload_for


class SmsFileSender:
    name = "sms_file"
    channels = frozenset({Channel.SMS, Channel.ROBOCALL})

    def __init__(self, settings: SenderSettings, options: Mapping[str, Any] | None = None) -> None:
        self.settings = settings
        self.options = dict(options or {})

    def send(self, message: Message) -> Receipt:
        day = message.send_at.astimezone(LOCAL_TZ).date().isoformat()
        path = self.settings.outbox_dir / "sms" / f"{day}.jsonl"
        payload = payload_for(message, callback_url="", template_dir=self.settings.template_dir)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a+", encoding="utf-8") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                fh.seek(0)
                for line in fh.read().splitlines():
                    row = json.loads(line)
                    if row.get("idempotency_key") == message.idempotency_key:
                        return Receipt.from_dict(row["receipt"])
                receipt = Receipt(self.name, f"{path.name}:{message.idempotency_key}", utcnow())
                row = {**payload, "receipt": receipt.to_dict()}
                fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
                fh.flush()
        except OSError as err:
            raise TransientSendError(f"cannot write {path}: {err}") from err
        return receipt
