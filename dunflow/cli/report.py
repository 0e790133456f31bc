"""``dunflow report``: write the weekly digest or a decision explanation as HTML and PDF."""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from dunflow.cli.common import DbOption, console, database_url, fail

app = typer.Typer(help="The client's reports: weekly digest, decision explanations.")

OutOption = Annotated[
    Path, typer.Option("--out", help="Folder to write into (created when missing).")
]
LangOption = Annotated[
    str | None, typer.Option("--lang", help="nl or en (default: the creditor's language).")
]


def _language(lang: str | None) -> str | None:
    if lang is not None and lang not in ("nl", "en"):
        fail(f"--lang: {lang!r} is not supported (nl or en)")
    return lang


def _write(out: Path, stem: str, html: str, pdf: bytes) -> None:
    out.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out / f"{stem}.html", out / f"{stem}.pdf"
    html_path.write_text(html, encoding="utf-8")
    pdf_path.write_bytes(pdf)
    typer.echo(str(html_path))
    typer.echo(str(pdf_path))


@app.command()
def weekly(
    creditor: Annotated[str, typer.Option("--creditor", help="Creditor name.")],
    out: OutOption,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Digest day YYYY-MM-DD (default: today).")
    ] = None,
    lang: LangOption = None,
    flow_effect: Annotated[
        Path | None,
        typer.Option("--flow-effect", help="JSON with the learned flow's effect (replay)."),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(
            "--email", help="Also send it as an HTML e-mail (PDF attached) to this address."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write weekly-<date>.html and .pdf for one creditor, print their paths, and e-mail it with
    ``--email`` through the SMTP settings (``DUNFLOW_SMTP_*``)."""
    from ledger.db import make_engine, session_scope
    from ledger.summary import UnknownCreditorError, find_creditor
    from serving.reports.flow_effect import FlowEffectError
    from serving.reports.service import render_weekly_page, weekly_digest
    from serving.reports.settings import get_reports_settings

    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        fail(f"--as-of: {as_of!r} is not a date (expected YYYY-MM-DD)")
    if flow_effect is not None and not flow_effect.is_file():
        fail(f"--flow-effect: {flow_effect} does not exist")
    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            row = find_creditor(session, creditor)
            data = weekly_digest(
                session,
                creditor_name=creditor,
                as_of=day,
                settings=get_reports_settings(),
                engine=engine,
                flow_effect_path=flow_effect,
            )
            page = render_weekly_page(data, _language(lang), row)
    except UnknownCreditorError as err:
        fail(f"--creditor: {err}")
    except FlowEffectError as err:
        fail(f"--flow-effect: {err}")
    finally:
        engine.dispose()
    console.print(f"[dim]weekly digest of {creditor} as of {day} ({page.language}):[/]")
    pdf = page.pdf()
    _write(out, f"weekly-{day.isoformat()}", page.html, pdf)
    if email is not None:
        import smtplib

        from serving.reports.mail import send_digest_email
        from serving.senders.settings import get_sender_settings

        if "@" not in email:
            fail(f"--email: {email!r} is not an e-mail address")
        try:
            message_id = send_digest_email(
                page.html, pdf, email, get_sender_settings(), creditor_name=creditor,
                subject=f"{creditor}: weekly digest {day.isoformat()}",
                filename=f"weekly-{day.isoformat()}.pdf",
            )  # fmt: skip
        except (OSError, smtplib.SMTPException) as err:
            fail(f"--email: the digest could not be sent ({err})")
        console.print(f"e-mailed to {email} ({message_id})")


@app.command()
def decision(
    recommendation: Annotated[
        str,
        typer.Option(
            "--recommendation",
            help="Recommendation id, or 'latest': the newest one that sends something"
            " (the policy's own first choice when there is one, not an explored action).",
        ),
    ],
    out: OutOption,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Write decision-<id>.html and .pdf explaining one recommendation and print their paths."""
    from ledger.db import make_engine, session_scope
    from ledger.tables import Recommendation
    from serving.reports.service import decision_page

    engine = make_engine(database_url(db))
    try:
        with session_scope(engine) as session:
            if recommendation == "latest":
                from sqlmodel import col, select

                newest = select(Recommendation).where(col(Recommendation.channel).is_not(None))
                newest = newest.order_by(col(Recommendation.created_at).desc()).limit(1)
                chosen = newest.where(col(Recommendation.propensity) >= 0.5)
                row = session.exec(chosen).first() or session.exec(newest).first()
                recommendation = row.id if row is not None else recommendation
            else:
                row = session.get(Recommendation, recommendation)
            if row is None:
                fail(f"--recommendation: {recommendation!r} not found")
            page = decision_page(
                session,
                creditor_id=row.creditor_id,
                recommendation_id=recommendation,
                language=_language(lang),
            )
    finally:
        engine.dispose()
    _write(out, f"decision-{recommendation}", page.html, page.pdf())
