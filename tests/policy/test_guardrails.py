"""check(): every rule refuses with its own reason; allowed_actions offers only what it allows."""

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from ledger.enums import Channel, Country, DebtorKind, InvoiceStatus, Stage, Tone
from policy import allowed_actions, check, ladder_action
from policy.actions import Action
from policy.candidates import make_action
from policy.flow_state import CreditorSettings, DebtorState
from policy.fourteen_day_letter import LetterRecord
from policy.guardrails import check_channels
from tests.policy.builders import ams, invoice, state

NOW = ams(2026, 3, 3, 10, 0)  # Tuesday; the invoice is 31 days overdue


def email_reminder(s: DebtorState, at: datetime = NOW, **kw: Any) -> Action:
    action = make_action(s, Stage.REMINDER, Channel.EMAIL, Tone.FRIENDLY, at)
    return replace(action, **kw)


def test_a_plain_reminder_is_allowed() -> None:
    s = state()
    assert check(email_reminder(s), s).ok


def test_waiting_is_always_allowed_and_first() -> None:
    s = state(paused=True)
    actions = allowed_actions(s, NOW)
    assert len(actions) == 1
    assert actions[0].is_wait
    assert check(actions[0], s).ok


SEEN_AT = ams(2026, 3, 2, 9, 0)


# each rule once: a state change, a send time, an action change and a fragment of its reason
RULES: list[tuple[dict[str, Any], datetime, dict[str, Any], str]] = [
    ({"segment_excluded": True, "segment": "intercompany"}, NOW, {}, "excluded"),
    ({"paused": True}, NOW, {}, "paused"),
    ({"disputed": True}, NOW, {}, "disputes"),
    ({"promise_date": date(2026, 3, 1)}, NOW, {}, "promise to pay"),
    ({"invoices": (invoice(open_cents=0),)}, NOW, {}, "nothing to dun"),
    ({"invoices": (invoice(status=InvoiceStatus.PAID),)}, NOW, {}, "nothing to dun"),
    ({"invoices": (invoice(status=InvoiceStatus.DISPUTED),)}, NOW, {}, "nothing to dun"),
    ({"invoices": (invoice(due=date(2026, 3, 3)),)}, NOW, {}, "nothing to dun"),
    ({"opted_out": frozenset({Channel.EMAIL})}, NOW, {}, "opted out"),
    ({"reachable": frozenset({Channel.LETTER})}, NOW, {}, "e-mail address"),
    (
        {"creditor": CreditorSettings(channel_costs_cents={Channel.LETTER: 150})},
        NOW,
        {},
        "not enabled",
    ),
    ({}, ams(2026, 3, 3, 6, 30), {}, "outside 07:00–20:00"),
    ({}, ams(2026, 3, 3, 20, 0), {}, "outside 07:00–20:00"),
    ({}, ams(2026, 3, 8, 10, 0), {}, "Sunday"),
    ({}, ams(2026, 4, 3, 10, 0), {}, "Good Friday"),
    ({}, ams(2026, 4, 27, 10, 0), {}, "King"),
    ({"contact_times": (ams(2026, 3, 3, 8, 0),)}, NOW, {}, "already a contact"),
    ({"contact_times": (SEEN_AT,)}, NOW, {}, "minimum gap"),
    ({"contact_times": (ams(2026, 3, 4, 8, 0),)}, NOW, {}, "minimum gap"),  # a planned one
    (
        {"invoices": (invoice(1), invoice(2, due=date(2026, 2, 10)))},
        NOW,
        {"invoice_ids": (1,)},
        "must cover every overdue invoice",
    ),
    ({}, NOW, {"invoice_ids": (1, 99)}, "not open and overdue"),
    ({}, NOW, {"tone": Tone.FIRM}, "does not fit"),
    ({"stage": Stage.PRE_COLLECTION}, NOW, {}, "does not go back"),
    ({}, NOW, {"collection_costs_cents": 4_005}, "carries no collection costs"),
    (
        {"creditor": CreditorSettings(contact_start_minute=9 * 60)},
        NOW.replace(hour=8),
        {},
        "09:00",
    ),
]


@pytest.mark.parametrize(("changes", "at", "action_changes", "fragment"), RULES)
def test_each_rule_refuses_with_its_reason(
    changes: dict[str, Any], at: datetime, action_changes: dict[str, Any], fragment: str
) -> None:
    s = state(**changes)
    action = replace(email_reminder(state(), at), **action_changes)
    verdict = check(action, s)
    assert not verdict.ok
    assert any(fragment in r for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize(("changes", "at", "action_changes", "fragment"), RULES)
def test_check_channels_is_check_of_each_channel(
    changes: dict[str, Any], at: datetime, action_changes: dict[str, Any], fragment: str
) -> None:
    """The refusals of the channels no candidate uses share the channel-free part of the check:
    the verdicts must be those of checking each channel on its own."""
    s = state(**changes)
    base = replace(email_reminder(state(), at), **action_changes)
    actions = [replace(base, channel=c) for c in Channel]
    assert check_channels(actions, s) == [check(a, s) for a in actions]


def test_check_channels_of_a_naive_time_and_of_none() -> None:
    s = state()
    naive = replace(email_reminder(s), send_at=datetime(2026, 3, 3, 10))
    actions = [replace(naive, channel=c) for c in Channel]
    assert check_channels(actions, s) == [check(a, s) for a in actions]
    assert not check_channels(actions, s)[0].ok
    assert check_channels([], s) == []


def test_naive_send_time_is_refused_not_crashed() -> None:
    s = state()
    verdict = check(replace(email_reminder(s), send_at=datetime(2026, 3, 3, 10)), s)
    assert not verdict.ok
    assert "time zone" in verdict.reasons[0]


def test_promise_grace_then_allowed() -> None:
    s = state(promise_date=date(2026, 3, 1))  # grace 3 days: quiet until 4 March
    assert not check(email_reminder(s, ams(2026, 3, 4, 10, 0)), s).ok
    assert check(email_reminder(s, ams(2026, 3, 5, 10, 0)), s).ok
    assert [a.is_wait for a in allowed_actions(s, NOW)] == [True]


# --- the 14-day letter and costs -------------------------------------------------------------


def letter_action(s: DebtorState, at: datetime = NOW) -> Action:
    return make_action(s, Stage.FOURTEEN_DAY_LETTER, Channel.LETTER, Tone.FIRM, at)


def collection_action(s: DebtorState, at: datetime) -> Action:
    return make_action(s, Stage.COLLECTION, Channel.LETTER, Tone.FIRM, at)


def test_fourteen_day_letter_states_the_exact_costs() -> None:
    s = state()
    action = letter_action(s)
    assert action.collection_costs_cents == 4_005
    assert check(action, s).ok
    wrong = check(replace(action, collection_costs_cents=4_000), s)
    assert any("exact costs" in r for r in wrong.reasons)


def test_fourteen_day_letter_includes_vat_only_when_creditor_says_so() -> None:
    s = state(creditor=CreditorSettings(vat_deductible=False, collection_outsourced=True))
    assert letter_action(s).collection_costs_cents == 4_846
    s2 = state(creditor=CreditorSettings(vat_deductible=False, collection_outsourced=False))
    assert letter_action(s2).collection_costs_cents == 4_005


def test_fourteen_day_letter_not_for_business_or_by_email() -> None:
    b2b = state(kind=DebtorKind.B2B)
    assert any("consumers only" in r for r in check(letter_action(b2b), b2b).reasons)
    s = state()
    by_mail = replace(letter_action(s), channel=Channel.EMAIL)
    assert any("may not be used" in r for r in check(by_mail, s).reasons)


def test_second_valid_letter_is_refused() -> None:
    s = state(letter=LetterRecord(date(2026, 2, 20), 4_005), stage=Stage.FOURTEEN_DAY_LETTER)
    assert any("already went out" in r for r in check(letter_action(s), s).reasons)


@pytest.mark.parametrize(
    ("letter", "at", "ok", "fragment"),
    [
        (None, ams(2026, 3, 10, 10, 0), False, "only after a 14-day letter"),
        # sent 2 March, no proof of receipt: costs from 23 March
        (LetterRecord(date(2026, 3, 2), 4_005), ams(2026, 3, 21, 10, 0), False, "due only from"),
        (LetterRecord(date(2026, 3, 2), 4_005), ams(2026, 3, 23, 10, 0), True, None),
        # received 3 March: costs from 18 March (R + 15)
        (
            LetterRecord(date(2026, 3, 2), 4_005, received_on=date(2026, 3, 3)),
            ams(2026, 3, 17, 10, 0),
            False,
            "due only from 2026-03-18",
        ),
        (
            LetterRecord(date(2026, 3, 2), 4_005, received_on=date(2026, 3, 3)),
            ams(2026, 3, 18, 10, 0),
            True,
            None,
        ),
        # wrongly worded letter: never costs
        (
            LetterRecord(date(2026, 3, 2), 4_005, wording_valid=False),
            ams(2026, 4, 20, 10, 0),
            False,
            "not valid",
        ),
        # sent before default (the due date itself)
        (LetterRecord(date(2026, 1, 31), 4_005), ams(2026, 3, 30, 10, 0), False, "after default"),
    ],
)
def test_b2c_collection_needs_a_valid_letter_whose_term_passed(
    letter: LetterRecord | None, at: datetime, ok: bool, fragment: str | None
) -> None:
    s = state(letter=letter, stage=Stage.FOURTEEN_DAY_LETTER)
    verdict = check(collection_action(s, at), s)
    assert verdict.ok is ok, verdict.reasons
    if fragment:
        assert any(fragment in r for r in verdict.reasons), verdict.reasons


def test_collection_never_charges_more_than_the_letter_stated() -> None:
    s = state(letter=LetterRecord(date(2026, 3, 2), 4_000), stage=Stage.FOURTEEN_DAY_LETTER)
    action = collection_action(s, ams(2026, 3, 24, 10, 0))
    assert action.collection_costs_cents == 4_000
    assert not check(replace(action, collection_costs_cents=4_005), s).ok


def test_b2b_collection_without_letter() -> None:
    s = state(kind=DebtorKind.B2B)
    action = collection_action(s, NOW)
    assert action.collection_costs_cents == 4_005
    assert check(action, s).ok
    early = state(kind=DebtorKind.B2B, invoices=(invoice(due=date(2026, 2, 20)),))
    assert any("30 days" in r for r in check(collection_action(early, NOW), early).reasons)


def test_be_consumer_collection_after_free_reminder_and_grace() -> None:
    s = state(country=Country.BE, contact_times=(ams(2026, 3, 2, 10, 0),))
    # posted Monday 2 March: 3rd working day Thursday 5 March + 14 → grace to 19 March
    early = check(collection_action(s, ams(2026, 3, 19, 10, 0)), s)
    assert any("due only from 2026-03-20" in r for r in early.reasons)
    late = collection_action(s, ams(2026, 3, 20, 10, 0))
    assert late.collection_costs_cents == 3_000 + 1_170  # 30 + 10% of 117.00
    assert check(late, s).ok
    never = state(country=Country.BE)
    assert any("free reminder" in r for r in check(collection_action(never, NOW), never).reasons)


def test_bailiff_only_after_collection() -> None:
    s = state(kind=DebtorKind.B2B, invoices=(invoice(due=date(2025, 12, 1)),))
    action = make_action(s, Stage.BAILIFF, Channel.LETTER, Tone.FIRM, NOW)
    assert any("after the collection stage" in r for r in check(action, s).reasons)
    s2 = replace(s, stage=Stage.COLLECTION)
    assert check(make_action(s2, Stage.BAILIFF, Channel.LETTER, Tone.FIRM, NOW), s2).ok


# --- allowed_actions ------------------------------------------------------------------------


def test_allowed_actions_bundle_and_respect_gap() -> None:
    s = state(
        invoices=(invoice(1), invoice(2, due=date(2026, 2, 10)), invoice(3, due=date(2026, 4, 1))),
        contact_times=(ams(2026, 3, 2, 9, 0),),
    )
    actions = allowed_actions(s, NOW)
    assert actions[0].is_wait
    contacts = actions[1:]
    assert contacts
    for a in contacts:
        assert a.invoice_ids == (1, 2)  # the one not yet due is left out
        assert a.send_at == ams(2026, 3, 5, 7, 0)  # 2 March + 3 days gap
        assert check(a, s).ok
    stages = {a.stage for a in contacts}
    assert Stage.FOURTEEN_DAY_LETTER in stages
    assert Stage.COLLECTION not in stages


def test_allowed_actions_proposes_first_reminder_after_due_date() -> None:
    s = state(invoices=(invoice(due=date(2026, 3, 3)),))
    actions = allowed_actions(s, NOW)
    reminders = [a for a in actions if a.stage == Stage.REMINDER and not a.is_wait]
    assert reminders
    assert {a.send_at for a in reminders} == {ams(2026, 3, 4, 7, 0)}


def test_allowed_actions_refuses_naive_now() -> None:
    with pytest.raises(ValueError, match="time zone"):
        allowed_actions(state(), datetime(2026, 3, 3, 10))


@pytest.mark.parametrize(
    ("country", "at"),
    [(Country.NL, (2011, 3, 1, 10)), (Country.BE, (2023, 3, 1, 10))],
    ids=["NL before the WIK", "BE consumers before 2024-09-01"],
)
@pytest.mark.parametrize("stage", [Stage.REMINDER, Stage.FOURTEEN_DAY_LETTER, Stage.COLLECTION])
def test_a_day_with_no_cost_rule_refuses_the_costly_stages_and_keeps_the_rest(
    country: Country, at: tuple[int, ...], stage: Stage
) -> None:
    """Before the collection-cost law was in force the rules raised for every candidate, even a
    reminder (the API answered 500): now the stages that carry costs are refused, with the reason,
    and reminders go on."""
    st = state(country=country, stage=stage, invoices=(invoice(due=date(at[0] - 1, 6, 1)),))
    now = ams(*at)
    offered = allowed_actions(st, now)
    assert all(check(a, st).ok for a in offered)
    assert not {a.stage for a in offered if not a.is_wait} & {
        Stage.FOURTEEN_DAY_LETTER,
        Stage.COLLECTION,
    }
    if stage == Stage.REMINDER:
        assert any(a.stage == Stage.REMINDER and not a.is_wait for a in offered)
    else:
        costly = make_action(st, stage, Channel.LETTER, Tone.FIRM, ams(*at[:3], 11))
        assert any("no collection costs can be worked out" in r for r in check(costly, st).reasons)
    ladder_action(st, now)  # answers, does not raise


def test_refusals_name_invoices_by_number_never_by_row_id() -> None:
    """Seen in the field: "missing [2, 26]". The debtor and the creditor know numbers, not ids."""
    s = state(
        invoices=(
            replace(invoice(2), number="F-2026-0117"),
            replace(invoice(26), number="F-2026-0342"),
        )
    )
    missing = check(email_reminder(s, invoice_ids=()), s)
    stray = check(email_reminder(s, invoice_ids=(2, 26, 4_711)), s)
    assert missing.reasons[-1].endswith("missing F-2026-0117, F-2026-0342")
    assert "not open and overdue on 2026-03-03: 1 invoice no longer open" in stray.reasons
    for reason in (*missing.reasons, *stray.reasons):
        assert "[" not in reason
        assert not any(f"{n}" in reason.split() for n in ("2", "26", "4711", "4_711"))


def test_the_creditors_limit_on_contacts_per_debtor_holds_in_any_30_days() -> None:
    limited = CreditorSettings(name="Acme", max_contacts_per_debtor=2)
    s = state(creditor=limited, contact_times=(ams(2026, 2, 10, 9, 0), ams(2026, 2, 25, 9, 0)))
    refused = check(email_reminder(s), s)
    assert not refused.ok
    assert (
        "2 contacts already in the 30 days from 2026-02-10 (the creditor's limit: 2 per "
        "debtor)" in refused.reasons
    )
    assert all(a.is_wait for a in allowed_actions(s, NOW))  # nothing else is offered today
    # 12 March: every 30 days that hold it start after 10 February, so they hold one contact
    assert check(email_reminder(s, ams(2026, 3, 12, 10, 0)), s).ok
    # contacts planned after the day count too: 3 March to 1 April would hold three
    ahead = state(creditor=limited, contact_times=(ams(2026, 3, 20, 9, 0), ams(2026, 3, 28, 9, 0)))
    assert not check(email_reminder(ahead), ahead).ok
    # without the limit only the minimum gap applies
    free = replace(s, creditor=CreditorSettings(name="Acme"))
    assert check(email_reminder(free), free).ok
