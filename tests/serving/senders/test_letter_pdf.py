"""The letter sender: the 14-day letter's exact costs and term wording, the PDF in the outbox,
the manifest for the print service, and idempotency."""

import html
import json
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ledger.enums import Channel, Stage
from policy.fourteen_day_letter import TERM_WORDING, text_refusals
from serving.senders.base import AddressUnusableError, InvoiceLine, Message, PermanentSendError
from serving.senders.documents import letter_html
from serving.senders.letter_pdf import LetterPdfSender
from serving.senders.settings import SenderSettings
from tests.serving.senders.conftest import IBAN, MessageFactory
from tests.waits import HANG_GUARD_S

NL_TERM = "binnen veertien dagen na de dag van ontvangst van deze brief"
EN_TERM = "within fourteen days after the day on which you receive this letter"


def _letter(make_message: MessageFactory, language: str, costs: int, **kw: object) -> Message:
    return make_message(
        channel=Channel.LETTER,
        stage=Stage.FOURTEEN_DAY_LETTER,
        template="fourteen_day_letter",
        language=language,
        idempotency_key=f"7:2026-03-03:fourteen_day_letter:{language}",
        extra={"collection_costs_cents": costs, "letter_date": "2026-03-03", **kw},
    )


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_dutch_fourteen_day_letter_states_exact_costs_and_term(
    make_message: MessageFactory,
) -> None:
    page = letter_html(_letter(make_message, "nl", 123_456))
    text = _text(page)
    assert "€ 1.234,56" in text
    assert NL_TERM in text
    assert "3 maart 2026" in text
    assert IBAN in text
    assert "INV-2026-0042" in text
    assert not re.search(r"14 dagen|dagtekening|datum van deze brief", text)
    assert text_refusals(text, costs_cents=123_456) == []  # the policy's own check agrees


def test_english_fourteen_day_letter_states_exact_costs_and_term(
    make_message: MessageFactory,
) -> None:
    text = _text(letter_html(_letter(make_message, "en", 123_456)))
    assert "€1,234.56" in text
    assert EN_TERM in text
    assert not re.search(r"14 days|letter date|date of this letter", text)


def test_term_wording_from_the_message_wins(make_message: MessageFactory) -> None:
    text = _text(letter_html(_letter(make_message, "en", 4_000, term_wording=TERM_WORDING["en"])))
    assert TERM_WORDING["en"] in text
    assert text_refusals(text, costs_cents=4_000) == []


def test_bundled_invoices_are_all_listed(make_message: MessageFactory) -> None:
    lines = tuple(
        InvoiceLine(f"INV-{n}", date(2026, 1, n), date(2026, 2, n), 10_000, 10_000)
        for n in (1, 2, 3)
    )
    text = _text(letter_html(replace(_letter(make_message, "nl", 4_500), invoices=lines)))
    assert all(f"INV-{n}" in text for n in (1, 2, 3))
    assert "€ 300,00" in text
    assert "€ 45,00" in text


def test_fourteen_day_letter_without_costs_is_refused(
    settings: SenderSettings, make_message: MessageFactory
) -> None:
    message = make_message(channel=Channel.LETTER, stage=Stage.FOURTEEN_DAY_LETTER)
    with pytest.raises(PermanentSendError, match="collection_costs_cents"):
        LetterPdfSender(settings).send(message)


def test_letter_goes_to_the_outbox_once_with_a_manifest(
    settings: SenderSettings, make_message: MessageFactory, logo: Path, tmp_path: Path
) -> None:
    message = _letter(make_message, "nl", 4_000)
    message = replace(message, creditor=replace(message.creditor, logo_path=str(logo)))
    sender = LetterPdfSender(settings, {"registered": True})
    receipt = sender.send(message)
    pdf_path, manifest_path = sender.paths(message)
    assert pdf_path.parent == settings.outbox_dir / "letters" / "2026-03-03"
    assert receipt.provider_id == pdf_path.relative_to(settings.outbox_dir).as_posix()
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF-")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["recipient"]["postal_code"] == "3511 AB"
    assert manifest["registered"] is True
    assert manifest["collection_costs_cents"] == 4_000
    assert manifest["kind"] == "fourteen_day_letter"

    mtime = pdf_path.stat().st_mtime_ns
    assert sender.send(message) == receipt  # the same key: the first receipt, no new file
    assert pdf_path.stat().st_mtime_ns == mtime
    assert len(list(pdf_path.parent.iterdir())) == 2

    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", str(pdf_path), "-"], capture_output=True, check=True, timeout=HANG_GUARD_S
        ).stdout.decode()
        flat = re.sub(r"\s+", " ", out)
        assert "€ 40,00" in flat
        assert NL_TERM in flat


def test_letter_without_address_is_permanent(
    settings: SenderSettings, make_message: MessageFactory
) -> None:
    message = make_message(channel=Channel.LETTER, debtor={"address_line": None})
    with pytest.raises(AddressUnusableError, match="no postal address"):
        LetterPdfSender(settings).send(message)
