"""The phone channel: five attempt slots inside the legal window, and an idempotent daily CSV."""

import csv
import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from ledger.enums import Channel, Tone
from serving.senders.base import PermanentSendError
from serving.senders.call_list import COLUMNS, CallListSender, call_list_path
from serving.senders.call_slots import attempt_slots
from serving.senders.settings import SenderSettings
from tests.serving.senders.conftest import MessageFactory

AMS = ZoneInfo("Europe/Amsterdam")


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)  # type: ignore[misc]


def test_slots_on_an_ordinary_morning() -> None:
    slots = attempt_slots(_local(2026, 3, 3, 8, 0))  # Tuesday
    assert [s.strftime("%a %H:%M") for s in slots] == [
        "Tue 10:00",
        "Tue 16:30",
        "Wed 09:00",
        "Wed 13:00",
        "Wed 18:30",
    ]


def test_slots_skip_good_friday_sunday_and_easter_monday() -> None:
    slots = attempt_slots(_local(2026, 4, 2, 11, 0))  # Maundy Thursday, after 10:00
    assert [s.isoformat(timespec="minutes") for s in slots] == [
        "2026-04-02T16:30+02:00",
        "2026-04-04T09:00+02:00",  # Friday 3 April is Good Friday
        "2026-04-04T13:00+02:00",
        "2026-04-04T18:30+02:00",
        "2026-04-07T10:00+02:00",  # Sunday, then Easter Monday
    ]


def test_slots_can_be_narrowed_to_weekdays() -> None:
    slots = attempt_slots(_local(2026, 3, 6, 17, 0), weekdays=range(5))  # Friday evening
    assert {s.weekday() for s in slots} <= set(range(5))
    assert slots[0] == _local(2026, 3, 9, 9, 0)  # after 16:30: the next calling day, a Monday
    assert slots[-1] == _local(2026, 3, 10, 16, 30)


def test_slots_always_respect_the_window() -> None:
    nl = holidays.country_holidays(
        "NL", years=range(2026, 2028), categories=(holidays.PUBLIC, holidays.OPTIONAL)
    )
    for hours in range(0, 24 * 400, 7):  # every hour of the day, over a year and its holidays
        start = datetime(2026, 1, 1, 5, 0, tzinfo=UTC) + timedelta(hours=hours)
        slots = attempt_slots(start)
        assert len(slots) == 5
        assert slots == sorted(slots)
        assert slots[0] >= start
        assert len({s.time() for s in slots}) == 5  # five different moments of the day
        for slot in slots:
            assert time(7, 0) <= slot.time() < time(20, 0)
            assert slot.weekday() != 6
            assert slot.date() not in nl


def test_naive_send_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        attempt_slots(datetime(2026, 3, 3, 9, 0))


def _rows(
    settings: SenderSettings, day: str = "2026-03-03", creditor: str = "Acme Installaties B.V."
) -> list[dict[str, str]]:
    path = call_list_path(settings.outbox_dir, creditor, day)
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def test_call_list_row_and_idempotent_append(
    settings: SenderSettings, make_message: MessageFactory
) -> None:
    sender = CallListSender(settings)
    message = make_message(
        channel=Channel.PHONE, tone=Tone.FIRM, extra={"phones": ["+31 20 123 4567"]}
    )
    first = sender.send(message)
    again = sender.send(message)
    sender.send(make_message(channel=Channel.PHONE, idempotency_key="other"))
    assert again.provider_id == first.provider_id
    assert again.sent_at == first.sent_at
    rows = _rows(settings)
    assert [r["idempotency_key"] for r in rows] == [message.idempotency_key, "other"]
    row = rows[0]
    assert row["debtor_external_id"] == "D00042"
    assert row["phone_numbers"] == "+31612345678 +31201234567"
    assert row["invoices"] == "INV-2026-0042"
    assert row["total_open"] == "121.00"
    assert row["suggested_tone"] == "firm"
    assert row["attempt_1"] == "2026-03-03T10:00+01:00"
    assert row["attempt_5"] == "2026-03-04T18:30+01:00"


def test_concurrent_dispatchers_append_once(
    settings: SenderSettings, make_message: MessageFactory
) -> None:
    message = make_message(channel=Channel.PHONE)
    threads = [
        threading.Thread(target=CallListSender(settings).send, args=(message,)) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(_rows(settings)) == 1


def test_given_slots_are_used(settings: SenderSettings, make_message: MessageFactory) -> None:
    given = [f"2026-03-0{d}T11:00:00+01:00" for d in range(3, 8)]
    CallListSender(settings).send(
        make_message(channel=Channel.PHONE, extra={"attempt_slots": given})
    )
    assert _rows(settings)[0]["attempt_5"] == "2026-03-07T11:00+01:00"


def test_each_creditor_has_its_own_list(
    settings: SenderSettings, make_message: MessageFactory
) -> None:
    CallListSender(settings).send(make_message(channel=Channel.PHONE))
    other = make_message(channel=Channel.PHONE, creditor={"name": "Andere B.V."})
    CallListSender(settings).send(other)
    assert len(_rows(settings)) == 1
    assert len(_rows(settings, creditor="Andere B.V.")) == 1


def test_no_phone_number_is_permanent(
    settings: SenderSettings, make_message: MessageFactory
) -> None:
    with pytest.raises(PermanentSendError, match="no phone number"):
        CallListSender(settings).send(make_message(channel=Channel.PHONE, debtor={"phone": None}))
