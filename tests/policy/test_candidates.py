"""allowed_actions: the shared work it saves changes nothing it offers.

``allowed_actions`` reuses send times, bundles and parts of ``check``'s verdict between candidates;
the reference below is the plain loop it replaced (every stage, channel and tone through
``earliest_send``, ``make_action`` and ``check``). Both must give the same actions, in the same
order, down to the send time's zone.
"""

import pickle
from dataclasses import FrozenInstanceError, fields, replace
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings

from ledger.enums import Channel, Country, DebtorKind, InvoiceStatus, Stage, Tone
from policy import allowed_actions, check
from policy.actions import Action, one_per_tone, template_name, wait
from policy.candidates import earliest_send, make_action
from policy.flow_state import STAGE_ORDER, CreditorSettings, DebtorState, RulesConfig, stage_rank
from policy.fourteen_day_letter import LetterRecord
from policy.guardrails import dossier_refusals
from tests.policy.builders import ams, invoice, state
from tests.policy.test_properties import scenarios

NOW = ams(2026, 3, 3, 10, 0)


def reference_allowed_actions(s: DebtorState, now: datetime) -> list[Action]:
    idle = wait(s.stage, now)
    blocked = [r for r in dossier_refusals(s, s.local_day(now)) if "nothing to dun" not in r]
    if blocked or not any(i.dunnable_on(date.max) for i in s.invoices):
        return [idle]
    stages = [st for st in STAGE_ORDER if stage_rank(st) >= stage_rank(s.stage)]
    if s.kind != DebtorKind.B2C or s.country != Country.NL:
        stages = [st for st in stages if st != Stage.FOURTEEN_DAY_LETTER]
    found = [idle]
    for stage in stages:
        for channel in sorted(s.usable_channels() & s.config.channels_for(stage)):
            send_at = earliest_send(s, stage, channel, now)
            if send_at is None:
                continue
            for tone in sorted(s.config.stage_tones[stage]):
                action = make_action(s, stage, channel, tone, send_at)
                if check(action, s).ok:
                    found.append(action)
    return found


def assert_same(s: DebtorState, now: datetime) -> list[Action]:
    got = allowed_actions(s, now)
    # repr also compares each send time's zone, which == on datetimes ignores
    assert repr(got) == repr(reference_allowed_actions(s, now))
    assert all(check(a, s).ok for a in got)
    return got


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_same_actions_as_the_plain_loop(scenario: tuple[DebtorState, datetime]) -> None:
    assert_same(*scenario)


LETTER = LetterRecord(date(2026, 2, 5), 4_000, received_on=date(2026, 2, 6))
BUNDLE = (invoice(1), invoice(2, 5_000, date(2026, 2, 20)), invoice(3, 9_000, date(2026, 3, 10)))


def test_same_actions_for_the_flows_every_turn() -> None:
    """Dossiers at each turn of the flow, a month apart, so stages, costs and gaps all bite."""
    states = [
        state(),
        state(invoices=BUNDLE),
        state(letter=LETTER),
        state(letter=LETTER, stage=Stage.COLLECTION, invoices=BUNDLE),
        state(letter=replace(LETTER, wording_valid=False)),
        state(country=Country.BE, contact_times=(ams(2026, 2, 10, 9),)),
        state(kind=DebtorKind.B2B, country=Country.BE, stage=Stage.COLLECTION),
        state(kind=DebtorKind.B2B, creditor=CreditorSettings(vat_deductible=False)),
        state(contact_times=(ams(2026, 3, 2, 9), ams(2026, 3, 6, 9))),
        state(promise_date=date(2026, 3, 4)),
        state(config=RulesConfig(email_letter_suffices=True), invoices=BUNDLE),
        state(invoices=(invoice(status=InvoiceStatus.DISPUTED), invoice(2))),
        state(
            creditor=CreditorSettings(allowed_weekdays=frozenset({1}), min_gap_days=8),
            reachable=frozenset({Channel.LETTER, Channel.PHONE}),
        ),
    ]
    offered = 0
    for s in states:
        for days in (0, 20, 45, 75):
            offered += len(assert_same(s, NOW + timedelta(days=days, hours=days % 7)))
    assert offered > 100  # the cases do reach past waiting


def test_derived_values_follow_the_fields() -> None:
    """What a state keeps for itself belongs to that state: a changed copy works it out anew."""
    s = state(invoices=BUNDLE, contact_times=(ams(2026, 3, 2, 9),))
    day = date(2026, 3, 11)
    assert [i.id for i in s.dunnable(day)] == [1, 2, 3]
    assert s.contact_days() == (date(2026, 3, 2),)
    moved = replace(s, invoices=BUNDLE[:1], contact_times=(ams(2026, 3, 2, 23, 30),))
    assert [i.id for i in moved.dunnable(day)] == [1]
    assert moved.contact_days() == (date(2026, 3, 2),)
    assert replace(s, country=Country.BE).zone.key == "Europe/Brussels"
    assert [i.id for i in s.dunnable(day)] == [1, 2, 3]


def test_actions_made_per_tone_are_the_constructors() -> None:
    """``one_per_tone`` skips ``Action.__init__``; nothing may tell its actions apart."""
    tones = [Tone.NEUTRAL, Tone.FIRM]
    made = one_per_tone(
        tones,
        channel=Channel.LETTER,
        send_at=NOW,
        stage=Stage.COLLECTION,
        invoice_ids=(1, 2),
        cost_cents=150,
        collection_costs_cents=4_005,
    )
    for tone, action in zip(tones, made, strict=True):
        template = template_name(Stage.COLLECTION, tone, Channel.LETTER)
        built = Action(Channel.LETTER, tone, NOW, Stage.COLLECTION, template, (1, 2), 150, 4_005)
        assert action == built
        assert hash(action) == hash(built)
        assert repr(action) == repr(built)
        assert list(vars(action).items()) == list(vars(built).items())
        assert list(vars(action)) == [f.name for f in fields(Action)]
        assert pickle.dumps(action) == pickle.dumps(built)
        assert replace(action, note="x") == replace(built, note="x")
        with pytest.raises(FrozenInstanceError):
            action.tone = Tone.FRIENDLY  # type: ignore[misc]


def test_kept_windows_follow_the_creditor() -> None:
    """A creditor keeps its windows per country and channel; a changed copy works them out anew."""
    s = state()
    before = s.windows(Channel.PHONE)
    narrow = replace(s.creditor, contact_start_minute=9 * 60)
    moved = replace(s, creditor=narrow, country=Country.BE)
    assert moved.windows(Channel.PHONE) != before
    assert moved.windows(Channel.PHONE)[-1].start_minute == 9 * 60
    assert len(moved.windows(Channel.PHONE)) == 3  # BE calls: the law's two, the creditor's
    assert s.windows(Channel.PHONE) is before


def test_bundling_waits_for_an_invoice_coming_due_but_no_longer_than_the_setting() -> None:
    from datetime import date

    from ledger.enums import Stage
    from policy.candidates import allowed_actions
    from policy.flow_state import CreditorSettings
    from tests.policy.builders import ams, invoice, state

    now = ams(2026, 2, 3, 9)  # Tuesday; INV-1 overdue since 2026-02-01, INV-2 due 02-05
    invoices = (invoice(1, due=date(2026, 1, 31)), invoice(2, due=date(2026, 2, 5)))

    def first_reminder(bundle_days: int) -> date:
        creditor = CreditorSettings(name="Acme", bundle_days=bundle_days)
        found = [
            a
            for a in allowed_actions(state(creditor=creditor, invoices=invoices), now)
            if not a.is_wait and a.stage == Stage.REMINDER
        ]
        assert found
        return min(a.send_at for a in found).date()

    assert first_reminder(0) == date(2026, 2, 3)  # at once, INV-1 alone
    assert first_reminder(2) == date(2026, 2, 3)  # INV-2 comes due later than 2 days
    assert first_reminder(3) == date(2026, 2, 6)  # waits for INV-2: both in one contact
