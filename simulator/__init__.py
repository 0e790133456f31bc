"""The simulator: a seeded synthetic world of creditors, debtors and invoices whose true response
to every action (channel, tone, timing) is known.

It is the yardstick for every claim that a learned flow beats the fixed ladder, the demo's data and
the referee in replay. Its numbers are assumptions (see simulator/README.md), never facts.
It writes through the ledger's own code and imports nothing but the ledger.
"""
