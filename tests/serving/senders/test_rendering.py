"""The wording: every kind × tone × language × channel renders, plainly, with the facts."""

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ledger.enums import Channel, Stage, Tone
from serving.senders.base import KINDS, InvoiceLine, PermanentSendError
from serving.senders.documents import invoice_copy_html, letter_html
from serving.senders.formatting import format_date, format_money, normalise_phone, safe_name
from serving.senders.rendering import context, render, render_copy
from serving.senders.webhook import payload_for
from tests.serving.senders.conftest import IBAN, REFERENCE, MessageFactory

THREATS = re.compile(r"incasso|deurwaarder|rechter|collection agency|bailiff|court", re.I)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("tone", list(Tone))
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_tone_and_language_renders(
    make_message: MessageFactory, kind: str, tone: Tone, language: str
) -> None:
    extra = {"kind": kind, "collection_costs_cents": 4_000, "promised_date": "2026-03-10"}
    for channel in (Channel.EMAIL, Channel.LETTER):
        message = make_message(tone=tone, language=language, channel=channel, extra=extra)
        ctx = context(message)
        copy = render_copy(message, ctx)
        assert copy.subject
        assert "INV-2026-0042" in copy.subject
        assert copy.before
        assert copy.after
        assert "Acme Installaties B.V." in copy.after[-1]
        ctx["copy"], ctx["logo_cid"] = copy, None
        text = render("email/body.txt.j2", ctx)
        if kind != "payment_thanks":
            assert IBAN in text
            assert REFERENCE in text
        if kind in ("reminder", "promise_confirmation", "payment_thanks"):
            assert not THREATS.search(text), text
    for channel in (Channel.SMS, Channel.ROBOCALL):
        payload = payload_for(
            make_message(tone=tone, language=language, channel=channel, extra=extra),
            callback_url="",
            template_dir=None,
        )
        assert len(payload.get("text", "")) <= 320
        assert "{{" not in str(payload)


def test_tones_differ(make_message: MessageFactory) -> None:
    subjects = {render_copy(m, context(m)).subject for m in (make_message(tone=t) for t in Tone)}
    assert len(subjects) == 3


def test_broken_promise_names_collection_only_when_planned(make_message: MessageFactory) -> None:
    plain = make_message(template="broken_promise")
    planned = make_message(template="broken_promise", extra={"next_step": "collection"})
    assert not THREATS.search(" ".join(render_copy(plain, context(plain)).after))
    assert "incassobureau" in " ".join(render_copy(planned, context(planned)).after)


def test_html_is_escaped(make_message: MessageFactory) -> None:
    message = make_message(debtor={"name": "<script>x</script> & Zn"})
    ctx = context(message)
    ctx["copy"], ctx["logo_cid"] = render_copy(message, ctx), None
    page = render("email/body.html.j2", ctx)
    assert "<script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt; &amp; Zn" in page
    assert "<br>" in page  # the line break in the closing still works


def test_consumer_copy_is_marked_payment_reminder(make_message: MessageFactory) -> None:
    assert "BETALINGSHERINNERING" in invoice_copy_html(make_message())
    assert "PAYMENT REMINDER" in invoice_copy_html(make_message(language="en"))
    business = invoice_copy_html(make_message(debtor={"kind": "b2b"}))
    assert "BETALINGSHERINNERING" not in business
    assert "KOPIEFACTUUR" in business


def test_letter_shows_address_block_and_signature(make_message: MessageFactory) -> None:
    page = letter_html(make_message(channel=Channel.LETTER))
    assert "Kerkstraat 1" in page
    assert "3511 AB" in page
    assert 'class="signature"' in page
    assert "D00042" in page


def test_kind_resolution(make_message: MessageFactory) -> None:
    assert make_message().kind == "reminder"
    assert make_message(template="promise_confirmation_v2").kind == "promise_confirmation"
    assert make_message(stage=Stage.FOURTEEN_DAY_LETTER).kind == "fourteen_day_letter"
    assert make_message(extra={"kind": "payment_thanks"}).kind == "payment_thanks"
    with pytest.raises(PermanentSendError, match="unknown message kind"):
        _ = make_message(extra={"kind": "threat"}).kind


def test_unknown_language_falls_back(make_message: MessageFactory) -> None:
    assert context(make_message(language="fr"))["language"] == "nl"  # the creditor's
    french = make_message(language="fr", creditor={"language": "fr"})
    assert context(french)["language"] == "en"
    assert context(make_message(language="nl-BE"))["language"] == "nl"


def test_template_override_dir(make_message: MessageFactory, tmp_path: Path) -> None:
    folder = tmp_path / "copy" / "nl"
    folder.mkdir(parents=True)
    (folder / "reminder.firm.txt.j2").write_text("Subject: Eigen tekst {{ numbers }}\n\nHoi\n")
    firm = make_message(tone=Tone.FIRM)
    assert render_copy(firm, context(firm), tmp_path).subject == "Eigen tekst INV-2026-0042"
    neutral = make_message()
    assert "Eigen" not in render_copy(neutral, context(neutral), tmp_path).subject


def test_several_invoices_are_bundled(make_message: MessageFactory) -> None:
    lines = (
        InvoiceLine("A-1", date(2026, 1, 1), date(2026, 1, 31), 10_000, 5_000),
        InvoiceLine("A-2", date(2026, 1, 8), date(2026, 2, 7), 20_000, 20_000, "EUR", "REF-2"),
    )
    message = replace(make_message(), invoices=lines)
    ctx = context(message)
    assert ctx["total"] == "€ 250,00"
    assert ctx["numbers"] == "A-1, A-2"
    assert ctx["reference"] == "A-1, REF-2"
    assert ctx["oldest_due"] == "31 januari 2026"


def test_formatting() -> None:
    assert format_money(123_456, "nl") == "€ 1.234,56"
    assert format_money(123_456, "en") == "€1,234.56"
    assert format_money(5, "nl") == "€ 0,05"
    assert format_money(-100_000_000, "en") == "-€1,000,000.00"
    assert format_money(990, "en", "USD") == "USD 9.90"
    assert format_date(date(2026, 5, 5), "nl") == "5 mei 2026"
    assert format_date(date(2026, 5, 5), "en") == "5 May 2026"
    assert normalise_phone("06-1234 5678", "NL") == "+31612345678"
    assert normalise_phone("0032 470 12 34 56", "NL") == "+32470123456"
    assert normalise_phone("0470 12 34 56", "BE") == "+32470123456"
    assert safe_name("a/b") != safe_name("a:b")
    assert re.fullmatch(r"[A-Za-z0-9._-]+", safe_name("7:2026-03-03:reminder/../x"))
