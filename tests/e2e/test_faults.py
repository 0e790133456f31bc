"""Faults on the way out, on SQLite and PostgreSQL: the scenarios of
:mod:`tests.e2e.fault_scenarios` and :mod:`tests.e2e.fault_processes`, judged against the issue's
targets: nothing lost; nothing re-sent where the provider honours idempotency keys; otherwise at
most one re-send per injected fault, always with the same Message-ID; and the outbox agreeing
with what the receiver got.
"""

from collections.abc import Callable
from dataclasses import asdict

import pytest
from sqlalchemy.engine import Engine

from tests.e2e import fault_processes, fault_scenarios
from tests.e2e.fault_scenarios import Counts


def judged(counts: Counts, *, resent_at_most: int) -> None:
    print(f"\n{asdict(counts)}")
    assert counts.lost == 0
    assert counts.sent + counts.failed == counts.planned
    assert counts.one_id_per_key
    assert counts.outbox_agrees
    assert counts.resent <= resent_at_most


def test_smtp_drops_resend_only_what_the_server_had_accepted(engine: Engine) -> None:
    counts = fault_scenarios.smtp_drops(engine)
    # six drops, three of them after the server stored the message (the 250 lost)
    judged(counts, resent_at_most=3)
    assert counts.faults == 6
    assert counts.resent == 3  # at-least-once where the acknowledgement was lost: measured


def test_smtp_4xx_is_retried_and_5xx_recorded(engine: Engine) -> None:
    counts = fault_scenarios.smtp_4xx_then_5xx(engine)
    judged(counts, resent_at_most=0)
    assert (counts.sent, counts.failed, counts.faults) == (7, 3, 9)


def test_smtp_down_for_a_minute_loses_nothing(engine: Engine) -> None:
    judged(fault_scenarios.smtp_down_a_minute(engine), resent_at_most=0)


@pytest.mark.parametrize("scenario", [fault_scenarios.webhook_timeout, fault_scenarios.webhook_500])
def test_webhook_faults_send_nothing_twice(
    engine: Engine, scenario: Callable[[Engine], Counts]
) -> None:
    """The provider honours Idempotency-Key: each fault is retried, nothing reaches anyone twice."""
    counts = scenario(engine)
    judged(counts, resent_at_most=0)
    assert counts.faults == counts.planned
    assert counts.settings["requests"] >= 2 * counts.planned  # every contact was retried


@pytest.mark.slow
# Four dispatchers only: two add CI minutes and nothing four does not cover
# (bench_reliability runs both).
@pytest.mark.parametrize("workers", [4])
def test_dispatchers_beside_a_cpu_hog_send_nothing_twice(
    db_url: str, engine: Engine, workers: int
) -> None:
    """The production lease (120 s) on a starved machine. The heartbeat keeps every claim of a
    live dispatcher; a re-send could only follow a stall of a whole process past its lease, and
    the dispatcher that stalled reports it (``stale_sends``), so this cannot fail for the speed
    of the machine (with the 3-s minimum lease, bench_reliability measures how often it happens
    on this one)."""
    counts = fault_processes.concurrent(engine, db_url, workers, production_lease=True)
    judged(counts, resent_at_most=counts.stale_sends)


@pytest.mark.slow
def test_a_dispatcher_frozen_past_its_lease_resends_once(db_url: str, engine: Engine) -> None:
    """The at-least-once boundary, forced: the server accepted the message, the dispatcher froze
    before it could mark it sent; the next one sends it again, with the same Message-ID, and the
    resumed one's finish is fenced out."""
    counts = fault_processes.frozen(engine, db_url)
    judged(counts, resent_at_most=counts.faults)
    assert counts.stale_sends == 1


@pytest.mark.slow
def test_the_database_cut_mid_batch_loses_nothing(db_url: str, engine: Engine) -> None:
    counts = fault_processes.db_cut(engine, db_url)
    judged(counts, resent_at_most=counts.faults)
