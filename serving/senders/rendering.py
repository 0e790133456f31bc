"""Jinja2 rendering of every text a sender produces: e-mail (subject, HTML, text), letters, the
invoice copy, SMS and robocall scripts.

The wording lives in ``templates/copy/<language>/<kind>.txt.j2`` (one per kind and language, the
tone chosen inside with ``{% if tone == ... %}``); a file named ``<kind>.<tone>.txt.j2``,
``<kind>.<channel>.txt.j2`` or ``<template>.txt.j2`` in the same folder wins when it exists, and
``DUNFLOW_TEMPLATE_DIR`` can override any template. The layouts (``email/``, ``documents/``)
add the facts: invoice table, total, IBAN, payment reference, logo. HTML is autoescaped.

A copy template is plain text: the first line ``Subject: ...``, a blank line, paragraphs separated
by blank lines, and a line ``---`` where the facts go. This module must never invent an amount or
a legal term: the 14-day letter without ``extra["collection_costs_cents"]`` is refused.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from serving.senders.base import Message, PermanentSendError
from serving.senders.formatting import format_date, format_money, resolve_language

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Copy:
    """The rendered wording of one message: subject, paragraphs before and after the facts."""

    subject: str
    before: tuple[str, ...]
    after: tuple[str, ...]


@lru_cache(maxsize=8)
def environment(override_dir: Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(TEMPLATES)]
    if override_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(override_dir))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def context(message: Message) -> dict[str, Any]:
    """Everything a template may use, formatted for the message's language."""
    lang = resolve_language(message.language, message.creditor.language)
    cur = message.currency
    kind = message.kind
    extra: Mapping[str, Any] = message.extra
    costs = extra.get("collection_costs_cents")
    if kind == "fourteen_day_letter" and (not isinstance(costs, int) or costs <= 0):
        raise PermanentSendError(
            "a 14-day letter needs the exact cost amount in extra['collection_costs_cents']"
        )
    letter_date = _as_date(extra.get("letter_date")) or message.send_at.date()
    promised, pay_by = _as_date(extra.get("promised_date")), _as_date(extra.get("pay_by"))
    invoices = [
        {
            "number": line.number,
            "issue_date": format_date(line.issue_date, lang),
            "due_date": format_date(line.due_date, lang),
            "amount": format_money(line.amount_cents, lang, line.currency),
            "open_amount": format_money(line.open_amount_cents, lang, line.currency),
            "reference": line.reference,
        }
        for line in message.invoices
    ]
    references = list(dict.fromkeys(line.reference for line in message.invoices))
    due_dates = [line.due_date for line in message.invoices]
    return {
        "message": message,
        "creditor": message.creditor,
        "debtor": message.debtor,
        "consumer": message.debtor.kind == "b2c",
        "kind": kind,
        "tone": str(message.tone),
        "stage": str(message.stage),
        "channel": str(message.channel),
        "language": lang,
        "invoices": invoices,
        "count": len(invoices),
        "numbers": ", ".join(line.number for line in message.invoices),
        "total": format_money(message.total_open_cents, lang, cur),
        "iban": message.creditor.iban or "",
        "reference": ", ".join(references),
        "oldest_due": format_date(min(due_dates), lang) if due_dates else "",
        "costs": format_money(costs, lang, cur) if isinstance(costs, int) else None,
        "term": extra.get("term_wording"),
        "letter_date": format_date(letter_date, lang),
        "promised_date": format_date(promised, lang) if promised else None,
        "pay_by": format_date(pay_by, lang) if pay_by else None,
        "show_payment": kind != "payment_thanks",
        **_claim(extra, message.total_open_cents, lang, cur),
        "extra": extra,
    }


def _claim(extra: Mapping[str, Any], open_cents: int, lang: str, cur: str) -> dict[str, Any]:
    """A collection-stage message's claim: costs (where the law allows), interest, the total."""
    costs, interest = extra.get("claim_costs_cents"), extra.get("claim_interest_cents")
    if not isinstance(costs, int) or not isinstance(interest, int) or costs + interest <= 0:
        return {"claim_total": None}
    on = _as_date(extra.get("claim_on"))
    return {
        "claim_costs": format_money(costs, lang, cur) if costs > 0 else None,
        "claim_interest": format_money(interest, lang, cur),
        "claim_on": format_date(on, lang) if on else "",
        "claim_total": format_money(open_cents + costs + interest, lang, cur),
    }


def _copy_names(message: Message, lang: str) -> list[str]:
    base = f"copy/{lang}/"
    kind, tone, channel = message.kind, message.tone, message.channel
    names = [f"{base}{message.template}.txt.j2"] if message.template != kind else []
    names += [
        f"{base}{kind}.{channel}.{tone}.txt.j2",
        f"{base}{kind}.{channel}.txt.j2",
        f"{base}{kind}.{tone}.txt.j2",
        f"{base}{kind}.txt.j2",
    ]
    return names


def _paragraphs(text: str) -> tuple[str, ...]:
    blocks = (block.strip() for block in text.split("\n\n"))
    return tuple("\n".join(ln.strip() for ln in b.splitlines()) for b in blocks if b)


def render_copy(message: Message, ctx: dict[str, Any], override_dir: Path | None = None) -> Copy:
    env = environment(override_dir)
    template = env.select_template(_copy_names(message, ctx["language"]))
    text = template.render(ctx).strip()
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise PermanentSendError(f"template {template.name} does not start with 'Subject:'")
    before, _, after = rest.partition("\n---\n")
    return Copy(first.removeprefix("Subject:").strip(), _paragraphs(before), _paragraphs(after))


def render(name: str, ctx: Mapping[str, Any], override_dir: Path | None = None) -> str:
    return environment(override_dir).get_template(name).render(ctx)
