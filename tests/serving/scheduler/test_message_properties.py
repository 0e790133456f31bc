"""Messages that are always right, over generated ledgers (hypothesis), rendered as the debtor reads
them (the e-mail's text and HTML, the letter's HTML; one letter also as PDF through pdftotext):

* a reminder lists exactly the debtor's open overdue invoices with their open amounts, also after
  a payment between planning and dispatch (seen: a paid invoice as "€ 0,00" in a "not yet paid"
  reminder);
* a promise confirmation lists only the promised invoices (never one not yet due) with one date;
* no text carries an internal id (the debtor's and invoices' row ids are made distinctive here so
  that finding one in a text cannot be chance).
"""

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger.enums import Channel, OutcomeKind, Stage, Tone
from ledger.payments import record_payment
from ledger.tables import Contact, Creditor, Debtor, Invoice, Outcome
from policy import check, state_from_ledger
from policy.actions import Action
from policy.candidates import make_action
from serving.scheduler import outbox
from serving.scheduler.messages import build_message
from serving.scheduler.promises import confirm_promises
from serving.senders.base import Message
from serving.senders.documents import letter_html, letter_pdf
from serving.senders.email_smtp import SmtpSender
from serving.senders.formatting import format_money
from serving.senders.rendering import context, render_copy
from serving.senders.settings import SenderSettings
from tests import factories
from tests.waits import HANG_GUARD_S

AMS = ZoneInfo("Europe/Amsterdam")
DAY = date(2026, 11, 17)  # a Tuesday
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=AMS)
_ids = count(1)
DEBTOR_IDS = 7_770_000  # row ids no amount, date, IBAN or reference here can contain
INVOICE_IDS = 8_880_000
_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
A_DATE = re.compile(rf"\b\d{{1,2}} (?:{_MONTHS}) \d{{4}}\b")


@dataclass(frozen=True)
class Bill:
    due_offset: int  # days after DAY (negative: overdue)
    cents: int


bills = st.lists(
    st.builds(Bill, st.integers(-90, 20), st.integers(1, 2_500_000)), min_size=1, max_size=5
)


def _ledger(session: Session, bills: list[Bill], language: str) -> tuple[Creditor, Debtor]:
    n = next(_ids)
    creditor = factories.creditor(session, name=f"Props {n} {language}")
    debtor = factories.debtor(
        session,
        creditor,
        id=DEBTOR_IDS + n,
        external_id=f"K-{n:04d}",
        name="Café De Gouden Leeuw",
        language=language,
        address_line="Markt 1",
        postal_code="1234 AB",
        city="Gouda",
    )
    for k, bill in enumerate(bills):
        due = DAY + timedelta(days=bill.due_offset)
        factories.invoice(
            session,
            debtor,
            id=INVOICE_IDS + 10 * n + k,
            number=f"F{n:04d}-{k}",
            issue_date=due - timedelta(days=30),
            due_date=due,
            amount_cents=bill.cents,
            payment_reference=f"RF{n:04d}{k}",
        )
    return creditor, debtor


def _pay(session: Session, creditor: Creditor, debtor: Debtor, cents: int, ref: str) -> None:
    if cents > 0:
        record_payment(
            session,
            creditor_id=creditor.id or 0,
            debtor_id=debtor.id or 0,
            amount_cents=cents,
            paid_on=DAY,
            external_ref=ref,
        )


def _plan(session: Session, debtor: Debtor, action: Action) -> str:
    """The outbox entry the cycle would write for ``action``; returns its key."""
    key = f"props:{debtor.id}"
    planned = outbox.PlannedContact(
        creditor_id=debtor.creditor_id,
        debtor_id=debtor.id or 0,
        channel=str(action.channel),
        tone=str(action.tone),
        stage=str(action.stage),
        template="reminder",
        scheduled_at=action.send_at,
        idempotency_key=key,
        invoice_ids=action.invoice_ids,
    )
    outbox.enqueue(session, [planned])
    return key


def _texts(message: Message, tmp: SenderSettings) -> dict[str, str]:
    """What the debtor reads: the e-mail's text and HTML bodies and the letter, tags stripped."""
    mail = SmtpSender(tmp, {"attach_invoice": False}).build(message)
    plain, rich = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None
    assert rich is not None

    def visible(markup: str) -> str:
        body = markup.split("</head>")[-1]
        return html.unescape(re.sub(r"<[^>]+>", " ", body))

    return {
        "subject": str(mail["Subject"]),
        "email text": plain.get_content(),
        "email html": visible(rich.get_content()),
        "letter": visible(letter_html(message)),
    }


def _no_internal_ids(texts: dict[str, str], debtor: Debtor, invoices: list[Invoice]) -> None:
    for where, text in texts.items():
        for row_id in (debtor.id, *(i.id for i in invoices)):
            assert str(row_id) not in text, f"{where} names row id {row_id}"


def _lists_exactly(
    texts: dict[str, str], owed: list[Invoice], others: list[Invoice], lang: str
) -> None:
    for where, text in texts.items():
        if where == "subject":
            continue
        assert "€ 0,00" not in text, where
        assert "€0.00" not in text, where
        for inv in owed:
            line = next((ln for ln in text.splitlines() if inv.number in ln), None)
            assert line is not None, f"{where} misses {inv.number}"
            if where not in ("letter", "email html"):  # tables put the amount in a later cell
                assert format_money(inv.open_amount_cents, lang) in line, f"{where}: {line}"
            else:
                assert format_money(inv.open_amount_cents, lang) in text
        for inv in others:
            assert inv.number not in text, f"{where} lists {inv.number}, not owed and overdue"
        total = format_money(sum(i.open_amount_cents for i in owed), lang)
        assert total in text, f"{where} lacks the total {total}"


# each example writes its own creditor's rows, so sharing the function's engine is safe; a ledger
# per example takes a database round trip or two, more than hypothesis's default deadline
EXAMPLES = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def sender_settings(tmp_path: Path) -> SenderSettings:
    return SenderSettings(outbox_dir=tmp_path / "outbox", template_dir=None)


@settings(EXAMPLES, max_examples=25)
@given(
    bills=bills,
    paid_before=st.integers(0, 3_000_000),
    paid_after=st.integers(0, 3_000_000),
    language=st.sampled_from(["nl", "en"]),
    tone=st.sampled_from([Tone.FRIENDLY, Tone.NEUTRAL]),
)
def test_a_reminder_lists_exactly_the_open_overdue_invoices_with_their_open_amounts(
    engine: Engine,
    sender_settings: SenderSettings,
    bills: list[Bill],
    paid_before: int,
    paid_after: int,
    language: str,
    tone: Tone,
) -> None:
    with Session(engine, expire_on_commit=False) as session:
        creditor, debtor = _ledger(session, bills, language)
        _pay(session, creditor, debtor, paid_before, f"before-{debtor.id}")
        session.commit()
        state = state_from_ledger(session, debtor.id or 0, NOW)
        action = make_action(state, Stage.REMINDER, Channel.EMAIL, tone, NOW)
        if not check(action, state).ok:
            return  # nothing overdue, or not yet a reminder's day: nothing is planned
        key = _plan(session, debtor, action)
        _pay(session, creditor, debtor, paid_after, f"after-{debtor.id}")  # before dispatch
        session.commit()
        contact = session.exec(select(Contact).where(Contact.idempotency_key == key)).one()
        invoices = list(session.exec(select(Invoice).where(Invoice.debtor_id == debtor.id)))
        owed = [
            i
            for i in invoices
            if i.status == "open" and i.open_amount_cents > 0 and i.due_date < DAY
        ]
        if outbox.still_wanted(session, contact.id or 0, NOW) is not None:
            assert not owed  # cancelled only when nothing it covers is owed any more
            return
        message = build_message(session, contact, now=NOW)
    texts = _texts(message, sender_settings)
    _lists_exactly(texts, owed, [i for i in invoices if i not in owed], language)
    assert sorted(line.number for line in message.invoices) == sorted(i.number for i in owed)
    _no_internal_ids(texts, debtor, invoices)


@settings(EXAMPLES, max_examples=20)
@given(
    bills=bills,
    paid=st.integers(0, 3_000_000),
    promised_in=st.integers(1, 30),
    language=st.sampled_from(["nl", "en"]),
)
def test_a_promise_confirmation_lists_only_the_promised_invoices_with_one_date(
    engine: Engine,
    sender_settings: SenderSettings,
    bills: list[Bill],
    paid: int,
    promised_in: int,
    language: str,
) -> None:
    promised = DAY + timedelta(days=promised_in)
    with Session(engine, expire_on_commit=False) as session:
        creditor, debtor = _ledger(session, bills, language)
        _pay(session, creditor, debtor, paid, f"paid-{debtor.id}")
        session.add(
            Outcome(
                creditor_id=creditor.id or 0,
                debtor_id=debtor.id or 0,
                kind=OutcomeKind.PROMISE.value,
                promised_date=promised,
                occurred_at=NOW - timedelta(hours=1),
            )
        )
        session.commit()
        confirm_promises(session, creditor, NOW)
        session.commit()
        invoices = list(session.exec(select(Invoice).where(Invoice.debtor_id == debtor.id)))
        owed = [
            i
            for i in invoices
            if i.status == "open" and i.open_amount_cents > 0 and i.due_date < DAY
        ]
        contact = session.exec(select(Contact).where(Contact.debtor_id == debtor.id)).first()
        if not owed:
            assert contact is None  # nothing promised that is owed: no confirmation
            return
        assert contact is not None
        message = build_message(session, contact, now=NOW)
    assert message.kind == "promise_confirmation"
    texts = _texts(message, sender_settings)
    _lists_exactly(texts, owed, [i for i in invoices if i not in owed], language)
    copy = render_copy(message, context(message))
    wording = " ".join((copy.subject, *copy.before, *copy.after))
    dates = set(A_DATE.findall(wording))
    assert len(dates) == 1, wording
    assert context(message)["promised_date"] in dates
    _no_internal_ids(texts, debtor, invoices)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_the_letter_pdf_after_a_partial_payment_lists_only_what_is_owed(
    engine: Engine, tmp_path: Path
) -> None:
    """The field case: three overdue invoices, a payment clears the oldest and part of the next
    between planning and dispatch; the letter (as printed) names the two still owed."""
    bills = [Bill(-40, 10_000), Bill(-30, 20_000), Bill(-20, 30_000)]
    with Session(engine, expire_on_commit=False) as session:
        creditor, debtor = _ledger(session, bills, "nl")
        state = state_from_ledger(session, debtor.id or 0, NOW)
        action = make_action(state, Stage.REMINDER, Channel.LETTER, Tone.NEUTRAL, NOW)
        assert check(action, state).ok
        _plan(session, debtor, action)
        _pay(session, creditor, debtor, 15_000, f"partial-{debtor.id}")
        session.commit()
        contact = session.exec(select(Contact).where(Contact.debtor_id == debtor.id)).one()
        numbers = [
            i.number
            for i in session.exec(
                select(Invoice)
                .where(Invoice.debtor_id == debtor.id)
                .order_by(col(Invoice.due_date))
            )
        ]
        message = build_message(session, contact, now=NOW)
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(letter_pdf(message))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        check=True,
        timeout=HANG_GUARD_S,
    ).stdout.decode()
    assert numbers[0] not in text  # paid in full since planning
    assert "€ 0,00" not in text
    assert numbers[1] in text
    assert "€ 150,00" in text
    assert numbers[2] in text
    assert "€ 300,00" in text
    assert "€ 450,00" in text  # the total still owed
    assert str(debtor.id) not in text
