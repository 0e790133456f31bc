"""A simulated plan-logging ledger (``simulate_plan_ledger``) stores the days of the debtors its
logger leaves to the ladder as the API stores the ladder's answers: the plan learner reads none of
them, the per-day trainer reads them, and they agree with the contacts made."""

from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlmodel import col

from ledger import migrate
from ledger.db import make_engine
from ledger.tables import Contact, Creditor, Debtor, Recommendation, Segment, plan_answer
from simulator.checkpoints import ARM_OF
from simulator.config import SimConfig
from simulator.world_file import default_world
from training.plan_learner import targeted_logger
from training.plan_ledger import ledger_checkpoints, simulate_plan_ledger
from training.plan_logging_run import chosen_logging_policy
from training.policy_data import read_decisions

# the default world's Groothandel B2B (segment 0) states no plan; the other three segments do
STATED = np.array([-1, -1, ARM_OF["letter/firm/7d"], ARM_OF["letter/firm/14d"], -1,
                   ARM_OF["email/neutral/14d"]])  # fmt: skip


def test_the_debtors_left_to_the_ladder_are_stored_as_ladder_answers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    logger = targeted_logger(chosen_logging_policy(0.2, ledger=False), STATED)
    simulate_plan_ledger(engine, 3, SimConfig(n_debtors=150, days=90, world=default_world()),
                         chooser=logger)  # fmt: skip
    rec = Recommendation
    with engine.connect() as conn:
        left = set(conn.execute(
            sa.select(col(Debtor.id))
            .join(Segment, col(Segment.id) == col(Debtor.segment_id))
            .join(Creditor, col(Creditor.id) == col(Debtor.creditor_id))
            .where(col(Creditor.name) == "Groothandel Van Dijk B.V.")
            .where(col(Segment.name) == "zakelijk")
        ).scalars())  # fmt: skip
        answers = conn.execute(sa.select(
            col(rec.debtor_id), col(rec.model_version), col(rec.degraded), col(rec.propensity),
            plan_answer(), col(rec.channel), col(rec.send_at))).all()  # fmt: skip
        contacts = conn.execute(sa.select(
            col(Contact.debtor_id), col(Contact.sent_at), col(Contact.channel),
            col(Contact.model_version))).all()  # fmt: skip
    assert len(left) > 30
    ladder = [a for a in answers if a[0] in left]
    assert {(a[1], a[2], a[3], a[4]) for a in ladder} == {("ladder", True, 1.0, False)}
    assert all(a[1] == "plan-logging" and a[4] for a in answers if a[0] not in left)
    # each of the ladder's contacts is the answer stored for that debtor that day
    sent = {(a[0], a[6], a[5], "ladder") for a in ladder if a[5] is not None}
    assert sent == {tuple(c) for c in contacts if c[0] in left}
    assert {c[3] for c in contacts if c[0] not in left} == {"plan-logging"}
    assert len(sent) > len(left)
    assert len(ladder) > len(sent)  # its waits are answers too
    # the per-day trainer reads exactly the ladder's answers; the plan learner none of them
    per_day = read_decisions(engine).frame
    assert sorted(per_day["debtor_id"].tolist()) == sorted(a[0] for a in ladder)
    assert not left & set(ledger_checkpoints(engine).debtor_ids.tolist())
    engine.dispose()
