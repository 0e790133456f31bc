"""Hypothesis properties: for random debtor states and times, nothing the rules allow breaks a rule.

The checks below are written independently of the policy code (the ``holidays`` package and plain
arithmetic), so a bug in the guardrails cannot hide itself.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.enums import Channel, Country, DebtorKind, InvoiceStatus, Stage, Tone
from policy import allowed_actions, check, ladder_action
from policy.actions import Action
from policy.flow_state import CreditorSettings, DebtorState, OpenInvoice
from policy.fourteen_day_letter import LetterRecord

SETTINGS = settings(max_examples=200, deadline=None)
ZONES = {Country.NL: ZoneInfo("Europe/Amsterdam"), Country.BE: ZoneInfo("Europe/Brussels")}
HOLIDAYS = {
    Country.NL: holidays.NL(years=range(2025, 2028), categories=("public", "optional")),
    Country.BE: holidays.BE(years=range(2025, 2028)),
}
START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)
moments = st.datetimes(START.replace(tzinfo=None), END.replace(tzinfo=None)).map(
    lambda d: d.replace(tzinfo=UTC)
)
channel_sets = st.frozensets(st.sampled_from(list(Channel)))
many_channels = st.one_of(
    st.just(frozenset(Channel)), st.frozensets(st.sampled_from(list(Channel)), min_size=2)
)
statuses = st.sampled_from([InvoiceStatus.OPEN] * 5 + list(InvoiceStatus))


def now_in_any_zone() -> st.SearchStrategy[datetime]:
    zone = st.sampled_from([UTC, ZoneInfo("Europe/Amsterdam"), ZoneInfo("America/New_York")])
    return st.tuples(moments, zone).map(lambda p: p[0].astimezone(p[1]))


@st.composite
def creditors(draw: st.DrawFn) -> CreditorSettings:
    start = draw(st.integers(0, 12 * 60))
    return CreditorSettings(
        name="Prop",
        timezone=draw(st.sampled_from(["Europe/Amsterdam", "Europe/London", "UTC"])),
        allowed_weekdays=draw(
            st.frozensets(st.integers(0, 6), min_size=1) | st.just(frozenset(range(7)))
        ),
        contact_start_minute=start,
        contact_end_minute=draw(st.integers(start + 60, 24 * 60)),
        channel_costs_cents=dict.fromkeys(draw(many_channels), 10),
        min_gap_days=draw(st.integers(0, 7)),
        vat_deductible=draw(st.booleans()),
        collection_outsourced=draw(st.booleans()),
    )


@st.composite
def invoices(draw: st.DrawFn, i: int, today: date) -> OpenInvoice:
    amount = draw(st.integers(1, 5_000_000))
    return OpenInvoice(
        id=i,
        number=f"I{i}",
        amount_cents=amount,
        open_amount_cents=draw(st.integers(0, amount)),
        due_date=today - timedelta(days=draw(st.integers(-10, 120))),
        status=draw(statuses),
    )


@st.composite
def letters(draw: st.DrawFn, today: date) -> LetterRecord:
    sent = today - timedelta(days=draw(st.integers(-5, 60)))
    received = draw(st.none() | st.integers(0, 10).map(lambda n: sent + timedelta(days=n)))
    return LetterRecord(
        sent_on=sent,
        stated_costs_cents=draw(st.integers(0, 20_000)),
        wording_valid=draw(st.booleans()),
        received_on=received,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[DebtorState, datetime]:
    """A debtor state and a 'now' (in any zone), with dates drawn around that now."""
    now = draw(now_in_any_zone())
    today = now.astimezone(ZONES[Country.NL]).date()
    near = st.integers(-20, 20).map(
        lambda k: now + timedelta(days=k, hours=draw(st.integers(0, 23)))
    )
    n = draw(st.integers(0, 4))
    rare = st.integers(0, 9).map(lambda k: k == 5)
    return DebtorState(
        debtor_id=1,
        kind=draw(st.sampled_from(list(DebtorKind))),
        country=draw(st.sampled_from(list(Country))),
        creditor=draw(creditors()),
        invoices=tuple(draw(invoices(i, today)) for i in range(1, n + 1)),
        segment_excluded=draw(rare),
        contact_times=tuple(draw(st.lists(moments | near, max_size=3))),
        paused=draw(rare),
        disputed=draw(rare),
        promise_date=draw(
            st.none() | st.none() | st.integers(-30, 10).map(lambda k: today + timedelta(days=k))
        ),
        reachable=draw(many_channels),
        opted_out=draw(st.frozensets(st.sampled_from(list(Channel)), max_size=2)),
        stage=draw(st.sampled_from(list(Stage))),
        letter=draw(st.none() | letters(today)),
        ladder_done=draw(st.integers(0, 7)),
    ), now


def assert_breaks_no_rule(a: Action, s: DebtorState, now: datetime) -> None:
    assert a.channel is not None
    assert a.send_at >= now
    local = a.send_at.astimezone(ZONES[s.country])
    day = local.date()
    minute = local.hour * 60 + local.minute
    # the legal window: 07:00–20:00, no Sundays, no public holidays
    assert 7 * 60 <= minute < 20 * 60
    assert local.weekday() != 6
    assert day not in HOLIDAYS[s.country]
    if s.country == Country.BE and a.channel in (Channel.PHONE, Channel.ROBOCALL):
        assert minute >= 8 * 60
    # the creditor's narrower window
    own = a.send_at.astimezone(ZoneInfo(s.creditor.timezone))
    assert own.weekday() in s.creditor.allowed_weekdays
    assert s.creditor.contact_start_minute <= own.hour * 60 + own.minute
    assert own.hour * 60 + own.minute < s.creditor.contact_end_minute
    # frequency: one a day, the minimum gap, against past and planned contacts
    for other in s.contact_times:
        apart = abs((day - other.astimezone(ZONES[s.country]).date()).days)
        assert apart >= max(1, s.creditor.min_gap_days)
    # the dossier
    assert not s.paused
    assert not s.disputed
    assert not s.segment_excluded
    if s.promise_date is not None:
        assert day > s.promise_date + timedelta(days=s.config.promise_grace_days)
    # the channel
    assert a.channel in s.creditor.channel_costs_cents
    assert a.channel in s.reachable
    assert a.channel not in s.opted_out
    # bundling: exactly the open, overdue, undisputed invoices
    due = {
        i.id
        for i in s.invoices
        if i.status in (InvoiceStatus.OPEN, InvoiceStatus.IN_COLLECTION)
        and i.open_amount_cents > 0
        and i.due_date < day
    }
    assert due
    assert set(a.invoice_ids) == due
    # costs: never in reminders; B2C NL only after a valid letter's term
    if a.stage in (Stage.REMINDER, Stage.PRE_COLLECTION):
        assert a.collection_costs_cents == 0
    b2c_nl = s.kind == DebtorKind.B2C and s.country == Country.NL
    if b2c_nl and a.stage in (Stage.COLLECTION, Stage.BAILIFF):
        letter = s.letter
        assert letter is not None
        assert letter.wording_valid
        assert letter.stated_costs_cents > 0
        assert letter.sent_on > max(i.due_date for i in s.invoices)
        earliest = (
            letter.sent_on + timedelta(days=21)
            if letter.received_on is None
            else letter.received_on + timedelta(days=15)
        )
        assert day >= earliest
        assert a.collection_costs_cents <= letter.stated_costs_cents
    if a.stage == Stage.FOURTEEN_DAY_LETTER:
        assert b2c_nl
        assert a.channel == Channel.LETTER


@SETTINGS
@given(scenarios())
def test_no_allowed_action_breaks_a_rule(scenario: tuple[DebtorState, datetime]) -> None:
    s, now = scenario
    actions = allowed_actions(s, now)
    assert actions[0].is_wait
    assert sum(a.is_wait for a in actions) == 1
    for a in actions[1:]:
        assert_breaks_no_rule(a, s, now)
        assert check(a, s).ok


@SETTINGS
@given(scenarios())
def test_the_ladder_never_breaks_a_rule(scenario: tuple[DebtorState, datetime]) -> None:
    s, now = scenario
    a = ladder_action(s, now)
    if a.is_wait:
        assert a.note
    else:
        assert_breaks_no_rule(a, s, now)


@SETTINGS
@given(
    scenarios(),
    st.sampled_from(list(Channel)),
    st.sampled_from(list(Tone)),
    st.sampled_from(list(Stage)),
    now_in_any_zone(),
    st.lists(st.integers(0, 5), max_size=4),
    st.integers(-10, 50_000),
)
def test_every_refusal_states_its_reason(
    scenario: tuple[DebtorState, datetime],
    channel: Channel,
    tone: Tone,
    stage: Stage,
    at: datetime,
    ids: list[int],
    costs: int,
) -> None:
    s, _ = scenario
    action = Action(channel, tone, at, stage, "t", tuple(ids), 0, costs)
    verdict = check(action, s)
    assert verdict.ok is (not verdict.reasons)
    assert all(isinstance(r, str) and r.strip() for r in verdict.reasons)


@SETTINGS
@given(scenarios(), st.integers(0, 3))
def test_moving_an_allowed_action_out_of_the_window_is_refused(
    scenario: tuple[DebtorState, datetime], pick: int
) -> None:
    s, now = scenario
    contacts = allowed_actions(s, now)[1:]
    if not contacts:
        return
    a = contacts[pick % len(contacts)]
    local = a.send_at.astimezone(ZONES[s.country])
    sunday = local + timedelta(days=6 - local.weekday())
    late = local.replace(hour=20, minute=30)
    for moved, word in ((sunday, "Sunday"), (late, "outside")):
        verdict = check(replace(a, send_at=moved), s)
        assert not verdict.ok
        assert any(word in r for r in verdict.reasons), verdict.reasons
