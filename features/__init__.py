"""Point-in-time features: each debtor's and invoice's payment history as of any moment.

Every feature is declared once in ``features/specs.py`` and computed from events strictly before
its as-of timestamp; the same builders make training rows and live rows. Features import only the
ledger and must never look at the future.
"""
