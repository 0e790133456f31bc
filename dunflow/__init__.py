"""dunflow: the command line (``dunflow``) and the demo that tie the packages together.

This package is the only place that composes ledger, simulator, features, policy, training and
serving; its subcommands are thin wrappers over those packages.
"""
