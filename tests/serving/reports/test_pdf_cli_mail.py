"""The PDF's text (pdftotext), ``dunflow report`` writing HTML and PDF, and the digest e-mail."""

import email
import shutil
import socket
import subprocess
from email.message import Message
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunflow.cli.report import app
from serving.reports.mail import send_digest_email
from tests.mail import inbox
from tests.serving.reports import sample_ledger as sample
from tests.serving.reports.conftest import Ledger

runner = CliRunner()


def pdf_text(path: Path) -> str:
    """The PDF's text in reading order, runs of whitespace (line wraps) made one space."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; `make browser-deps` installs it")
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_cli_weekly_writes_html_and_pdf_with_the_key_figures(
    engine: Engine, ledger: Ledger, tmp_path: Path
) -> None:
    effect = tmp_path / "effect.json"
    effect.write_text('{"policy": {"dso_days": 41.2}, "ladder": {"dso_days": 47.9}}')
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "weekly", "--creditor", sample.CREDITOR, "--out", str(out),
            "--as-of", "2026-11-24", "--db", _url(engine), "--flow-effect", str(effect),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html, pdf = out / "weekly-2026-11-24.html", out / "weekly-2026-11-24.pdf"
    assert str(html) in result.output
    assert str(pdf) in result.output
    assert "€ 4.240,00" in html.read_text(encoding="utf-8")
    text = pdf_text(pdf)
    for figure in ("€ 4.240,00", "+€ 1.350,00", "81,5", "€ 650,00", "€ 1,70", "€ 2.250,00"):
        assert figure in text, figure
    for words in ("Betwist", "Klaar voor incasso", "2026-I6", "41,2", "47,9"):
        assert words in text, words


def test_cli_decision_pdf_in_english(engine: Engine, ledger: Ledger, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "decision", "--recommendation", sample.REC_ID, "--out", str(tmp_path),
            "--lang", "en", "--db", _url(engine),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / f"decision-{sample.REC_ID}.pdf")
    for figure in ("SMS, friendly (reminder)", "€106.50", "€93.00", "opted out of phone calls"):
        assert figure in text, figure


def test_cli_errors_name_the_option(engine: Engine, ledger: Ledger, tmp_path: Path) -> None:
    args = ["weekly", "--out", str(tmp_path), "--db", _url(engine)]
    unknown = runner.invoke(app, [*args, "--creditor", "Nobody"])
    assert unknown.exit_code == 1
    assert "--creditor" in unknown.output
    bad_day = runner.invoke(app, [*args, "--creditor", sample.CREDITOR, "--as-of", "24-11"])
    assert "--as-of" in bad_day.output
    bad_lang = runner.invoke(app, [*args, "--creditor", sample.CREDITOR, "--lang", "fr"])
    assert "--lang" in bad_lang.output
    missing = runner.invoke(
        app, ["decision", "--recommendation", "x", "--out", str(tmp_path), "--db", _url(engine)]
    )
    assert "--recommendation" in missing.output


class _Smtp:
    smtp_host = "127.0.0.1"
    smtp_from = "digest@dunflow.test"

    def __init__(self, port: int) -> None:
        self.smtp_port = port


def test_digest_email_has_html_and_pdf() -> None:
    with inbox() as (port, got):
        msg_id = send_digest_email(
            "<p>€ 4.240,00</p>",
            b"%PDF-1.7 test",
            "client@example.org",
            _Smtp(port),
            subject="Weekoverzicht",
            creditor_name=sample.CREDITOR,
        )
    assert len(got) == 1
    parsed = email.message_from_bytes(got[0].as_bytes())
    assert parsed["Message-ID"] == msg_id
    assert parsed["To"] == "client@example.org"
    kinds = [part.get_content_type() for part in parsed.walk()]
    assert "text/html" in kinds
    assert "application/pdf" in kinds


def test_cli_weekly_sends_the_digest_by_email(
    engine: Engine, ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message as MessageHandler

    from serving.senders.settings import get_sender_settings

    got: list[Message] = []

    class Keep(MessageHandler):
        def handle_message(self, message: Message) -> None:
            got.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DUNFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DUNFLOW_SMTP_PORT", str(port))
    get_sender_settings.cache_clear()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    args = ["weekly", "--creditor", sample.CREDITOR, "--out", str(tmp_path), "--as-of",
            "2026-11-24", "--db", _url(engine)]  # fmt: skip
    try:
        result = runner.invoke(app, [*args, "--email", "client@example.org"])
        bad = runner.invoke(app, [*args, "--email", "not-an-address"])
    finally:
        controller.stop()
        get_sender_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert len(got) == 1
    parsed = email.message_from_bytes(got[0].as_bytes())
    assert parsed["To"] == "client@example.org"
    html = next(p for p in parsed.walk() if p.get_content_type() == "text/html")
    assert "4.240,00" in html.get_payload(decode=True).decode("utf-8")
    assert bad.exit_code == 1
    assert "--email" in bad.output
