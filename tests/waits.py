"""How long a test waits for something that must happen (a server to answer, a reload, a process
to exit) before it calls it hung. A guard against hanging forever, never a measure of speed: on a
busy machine things take longer and the test still passes; only a real hang fails it. Timing that
a test depends on (leases, heartbeats, timeouts to provoke) derives from
:mod:`serving.scheduler.lease_budget` instead.
"""

HANG_GUARD_S = 900.0  # 300 s ran out for `dunflow serve` starting at load average ~32
