"""Files in the outbox folder, written once: the shared ground of the file-based senders.

A file is created atomically (written to a temporary name, then hard-linked to its final name,
which fails if the name exists), so a reader never sees half a file and two dispatchers racing on
one idempotency key leave exactly one file. This module must never overwrite or delete a file
that has reached its final name: the print service or the call centre may already have it.
"""

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from serving.senders.base import Receipt, TransientSendError

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def day_folder(outbox: Path, kind: str, send_at: datetime) -> Path:
    """``<outbox>/<kind>/<YYYY-MM-DD>`` for the local (Amsterdam) day of ``send_at``."""
    return outbox / kind / send_at.astimezone(LOCAL_TZ).date().isoformat()


def create_once(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it exists; True when this call created it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.link(tmp, path)
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)
    except OSError as err:
        raise TransientSendError(f"cannot write {path}: {err}") from err
    return True


def write_json_once(path: Path, payload: dict[str, Any]) -> bool:
    text = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return create_once(path, text.encode())


def receipt_from_manifest(path: Path) -> Receipt:
    """The receipt stored in a manifest written by an earlier send of the same key."""
    try:
        data = json.loads(path.read_text())
        return Receipt.from_dict(data["receipt"])
    except (OSError, ValueError, KeyError) as err:
        raise TransientSendError(f"manifest {path} is unreadable: {err}") from err
