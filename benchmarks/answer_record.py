"""Records the scoring API's answers on the bench ledger, to show a speed-up changed no answer.

``save DIR`` simulates the ledger of ``bench_api.py`` (seed 5, 2,000 debtors, 120 days) into DIR
with both served policies' artifacts (per-day and plan, :mod:`served_policy`, :mod:`served_plan`).
``record DIR per-day|plan N OUT`` answers N single-debtor calls in order (after one 100-debtor
call, as the benchmark warms up) through the whole app at the ledger's own time, on a fresh copy
of the saved ledger, and writes one JSON answer per line without its random id. Record on the
old code and on the new with the same DIR, then compare the files byte for byte (``cmp``).
Not a ``bench_*`` script itself.
"""

import json
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

from fastapi.testclient import TestClient
from served_plan import plan_log, plan_policy
from served_policy import bench_ledger

from ledger.db import make_engine
from policy.plan_pyfunc import PlanDunningPolicy
from policy.pyfunc import DunningPolicy
from serving.api.app import create_app
from serving.api.model_store import LoadedModel, ModelStore
from serving.api.settings import ApiSettings

KINDS = ("per-day", "plan")


def save(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    led = bench_ledger(folder, 2_000, 120, 5, "answer-record")
    led.policy.save_artifacts(folder / "per-day")
    log = plan_log(folder)
    plan_policy(log).save_artifacts(folder / "plan")
    log.engine.dispose()
    meta = {"now": led.now.isoformat(), "ids": led.ids, "key": led.key}
    (folder / "meta.json").write_text(json.dumps(meta))
    led.engine.dispose()


def _policy(folder: Path, kind: str) -> DunningPolicy | PlanDunningPolicy:
    if kind == "plan":
        return PlanDunningPolicy.load(folder / "plan")
    policy = DunningPolicy()
    policy.load_context(SimpleNamespace(artifacts={"policy": str(folder / "per-day")}))
    return policy


def record(folder: Path, kind: str, calls: int, out: Path) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    db = folder / f"record-{kind}.db"
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copy(folder / "ledger.db", db)
    policy = _policy(folder, kind)
    store = ModelStore(lambda: LoadedModel(f"dunning-policy/{kind}", policy))
    store.reload()
    engine = make_engine(f"sqlite:///{db}")
    app = create_app(engine=engine, model_store=store, settings=ApiSettings(model_poll_seconds=0))
    ids, at, headers = meta["ids"], meta["now"], {"X-API-Key": meta["key"]}
    lines = []
    with TestClient(app) as client:
        warm = client.post("/v1/recommendations", json={"debtor_ids": ids[:100], "at": at},
                           headers=headers)  # fmt: skip
        warm.raise_for_status()
        for k in range(calls):
            body = {"debtor_ids": [ids[k % len(ids)]], "at": at}
            answer = client.post("/v1/recommendations", json=body, headers=headers)
            answer.raise_for_status()
            got = answer.json()
            for rec in got["recommendations"]:
                rec.pop("id")  # random per answer
            lines.append(json.dumps(got, sort_keys=True))
    engine.dispose()
    out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["save", folder]:
            save(Path(folder))
        case ["record", folder, kind, calls, out] if kind in KINDS:
            record(Path(folder), kind, int(calls), Path(out))
        case _:
            sys.exit(f"usage: {sys.argv[0]} save DIR | record DIR {'|'.join(KINDS)} N OUT")
