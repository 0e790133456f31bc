"""The daily dunning cycle: APScheduler jobs, the exactly-once outbox and its dispatcher."""
