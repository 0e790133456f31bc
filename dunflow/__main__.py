"""``python -m dunflow`` runs the CLI."""

from dunflow.cli import main

main()
