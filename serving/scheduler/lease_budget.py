"""The one invariant behind sending each contact once: how long a claim's lease must be, and how
often a dispatcher renews it, both derived from the longest sender timeout.

    heartbeat = lease / HEARTBEATS_PER_LEASE
    lease ≥ HEARTBEATS_PER_LEASE × longest sender timeout        (refused at start-up otherwise)

A dispatcher renews every lease it holds once per heartbeat while it works (a send in flight
included), so a live dispatcher never loses a claim, however long a send takes. The lower bound is
for when the renewals cannot run (the database slow to answer, the process starved): a lease still
covers one send blocked for its whole timeout plus two heartbeat periods of margin for the finish
to commit. Only a dispatcher stalled as a whole past its lease (frozen, paused by the OS) can lose
a claim mid-send; that is the at-least-once boundary described in ``serving/senders/README.md``.

Tests derive their leases, timeouts and waits from these functions too, never from how fast the
machine is. This module must never touch the database or the network.
"""

from dataclasses import dataclass

from serving.senders.settings import SenderSettings

HEARTBEATS_PER_LEASE = 3
LEASE_SETTING = "DUNFLOW_DISPATCH_LEASE_S"


class LeaseTooShortError(ValueError):
    """The configured lease cannot cover a send: refused at start-up, naming both settings."""


def min_lease_s(send_timeout_s: float) -> float:
    """The shortest lease allowed for a sender whose one blocking wait lasts ``send_timeout_s``."""
    return HEARTBEATS_PER_LEASE * send_timeout_s


def heartbeat_s(lease_s: float) -> float:
    """How often a dispatcher renews the leases it holds."""
    return lease_s / HEARTBEATS_PER_LEASE


def max_timeout_s(lease_s: float) -> float:
    """The longest sender timeout a lease of ``lease_s`` allows (the bound read the other way)."""
    return lease_s / HEARTBEATS_PER_LEASE


def sender_timeouts(settings: SenderSettings) -> dict[str, float]:
    """Each built-in sender's timeout by the variable that sets it."""
    return {
        "DUNFLOW_SMTP_TIMEOUT_S": settings.smtp_timeout_s,
        "DUNFLOW_SMS_WEBHOOK_TIMEOUT_S": settings.sms_webhook_timeout_s,
    }


def min_lease_for(settings: SenderSettings) -> float:
    """The shortest lease these senders allow."""
    return min_lease_s(max(sender_timeouts(settings).values()))


@dataclass(frozen=True)
class LeaseBudget:
    lease_s: float
    heartbeat_s: float
    longest_timeout_setting: str
    longest_timeout_s: float


def check_lease(lease_s: float, settings: SenderSettings) -> LeaseBudget:
    """The budget of a dispatcher with this lease and these senders, or
    :class:`LeaseTooShortError` naming the lease and the longest sender timeout."""
    name, timeout = max(sender_timeouts(settings).items(), key=lambda item: item[1])
    needed = min_lease_s(timeout)
    if lease_s < needed:
        raise LeaseTooShortError(
            f"{LEASE_SETTING}={lease_s:g} is shorter than {needed:g} s, "
            f"{HEARTBEATS_PER_LEASE}x the longest sender timeout ({name}={timeout:g}): a send "
            f"could outlast its lease and go out twice; raise {LEASE_SETTING} to at least "
            f"{needed:g} or lower {name} to at most {max_timeout_s(lease_s):g}"
        )
    return LeaseBudget(lease_s, heartbeat_s(lease_s), name, timeout)
