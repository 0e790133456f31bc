"""Serving: the scoring API, the daily dunning scheduler, the pluggable senders and the reports.

Loads the champion model from the registry; never imports training or the simulator.
"""
