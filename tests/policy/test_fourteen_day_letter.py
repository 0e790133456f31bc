"""The 14-day letter: when it may go out, what it says, when costs become due, partial payment."""

from datetime import date

import pytest

from policy.fourteen_day_letter import (
    TERM_WORDING,
    LetterRecord,
    costs_after_payments,
    costs_due_on,
    earliest_send_date,
    letter_refusals,
    render_letter,
    send_refusals,
    term_last_day,
    text_refusals,
)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_rendered_letter_is_valid(language: str) -> None:
    text = render_letter(
        language=language,
        debtor_name="J. Jansen",
        creditor_name="Acme BV",
        invoices=[("INV-1", 26_700)],
        costs_cents=4_005,
        iban="NL91ABNA0417164300",
    )
    assert TERM_WORDING[language] in text
    assert text_refusals(text, costs_cents=4_005) == []
    assert text_refusals(text, costs_cents=4_006) != []  # the exact amount, not any amount


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Betaal binnen 14 dagen na dagtekening. Kosten € 40,05.", "letter date"),
        ("Betaal binnen veertien dagen na de datum van deze brief. Kosten € 40,05.", "letter date"),
        ("Please pay within 14 days of the letter date. Costs EUR 40.05.", "letter date"),
        ("Please pay within fourteen days of the date of this letter. EUR 40.05", "letter date"),
        ("Please pay soon. Costs EUR 40.05.", "day after receipt"),
        (f"Please pay {TERM_WORDING['en']}. Costs will be charged.", "exact cost amount"),
        (f"Betaal {TERM_WORDING['nl']}. Kosten € 40,00.", "exact cost amount"),
    ],
)
def test_invalid_texts_are_refused_with_a_reason(text: str, fragment: str) -> None:
    reasons = text_refusals(text, costs_cents=4_005)
    assert any(fragment in r for r in reasons), reasons


def test_wording_across_line_breaks_and_case_is_accepted() -> None:
    text = "Betaal Binnen veertien dagen na de dag\nvan ontvangst van deze brief: € 40,05."
    assert text_refusals(text, costs_cents=4_005) == []


def test_letter_only_after_default() -> None:
    due = [date(2026, 1, 31), date(2026, 2, 10)]
    assert earliest_send_date(due) == date(2026, 2, 11)
    assert send_refusals(date(2026, 2, 10), due) != []
    assert send_refusals(date(2026, 2, 11), due) == []
    with pytest.raises(ValueError, match="at least one"):
        earliest_send_date([])


@pytest.mark.parametrize(
    ("sent", "received", "due"),
    [
        # receipt Tuesday 3 March 2026: +14 = Tuesday 17 March, costs from the 18th (R + 15)
        (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 18)),
        # receipt Saturday 7 March: +14 = Saturday 21 March → term runs to Monday 23, costs the 24th
        (date(2026, 3, 6), date(2026, 3, 7), date(2026, 3, 24)),
        # receipt 23 March: +14 = Monday 6 April (Easter Monday) → Tuesday 7, costs the 8th
        (date(2026, 3, 20), date(2026, 3, 23), date(2026, 4, 8)),
        # no proof of receipt: sending + 21
        (date(2026, 3, 2), None, date(2026, 3, 23)),
    ],
)
def test_costs_due_on(sent: date, received: date | None, due: date) -> None:
    assert costs_due_on(sent_on=sent, received_on=received) == due


def test_receipt_before_sending_is_an_error() -> None:
    with pytest.raises(ValueError, match="before"):
        costs_due_on(sent_on=date(2026, 3, 2), received_on=date(2026, 3, 1))


@pytest.mark.parametrize(
    ("payments", "costs"),
    [
        ([], 4_005),  # 267.00 → 40.05
        ([(date(2026, 3, 10), 20_000)], 4_000),  # 67.00 left → the minimum
        ([(date(2026, 3, 17), 26_700)], 0),  # paid in full on the last day of the term
        ([(date(2026, 3, 18), 26_700)], 4_005),  # one day late: the costs stay
        ([(date(2026, 3, 5), 10_000), (date(2026, 3, 20), 16_700)], 4_000),
    ],
)
def test_partial_payment_within_the_term(payments: list[tuple[date, int]], costs: int) -> None:
    got = costs_after_payments(
        26_700, payments, sent_on=date(2026, 3, 2), received_on=date(2026, 3, 3)
    )
    assert got.total_cents == costs
    assert term_last_day(date(2026, 3, 3)) == date(2026, 3, 17)


def test_partial_payment_without_proof_of_receipt_counts_until_day_20() -> None:
    got = costs_after_payments(300_000, [(date(2026, 3, 22), 100_000)], sent_on=date(2026, 3, 2))
    assert got.total_cents == 30_000  # over 2,000.00
    late = costs_after_payments(300_000, [(date(2026, 3, 23), 100_000)], sent_on=date(2026, 3, 2))
    assert late.total_cents == 42_500


def test_letter_record_refusals() -> None:
    due = [date(2026, 1, 31)]
    assert letter_refusals(LetterRecord(date(2026, 2, 1), 4_000), due) == []
    early = letter_refusals(LetterRecord(date(2026, 1, 31), 4_000), due)
    assert any("after default" in r for r in early)
    bad = letter_refusals(LetterRecord(date(2026, 2, 2), 0, wording_valid=False), due)
    assert len(bad) == 2


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        render_letter(
            language="fr", debtor_name="x", creditor_name="y", invoices=[], costs_cents=1, iban="z"
        )
