"""The creditor's settings model: never wider than the law, each bad field named."""

import pytest
from pydantic import ValidationError

from ledger.tables import Creditor
from policy.creditor_config import CreditorConfig, CreditorConfigPatch, iban_ok, partial_update
from policy.ledger_state import creditor_settings


def _fields(err: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in err.errors()}


def test_every_setting_is_a_creditor_column_of_the_same_name() -> None:
    columns = set(Creditor.model_fields)
    assert set(CreditorConfig.model_fields) <= columns
    assert set(CreditorConfigPatch.model_fields) == set(CreditorConfig.model_fields)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"allowed_weekdays": [0, 6]}, "allowed_weekdays"),  # Sunday: never
        ({"contact_start_minute": 6 * 60 + 59}, "contact_start_minute"),
        ({"contact_end_minute": 20 * 60 + 1}, "contact_end_minute"),
        ({"contact_start_minute": 600, "contact_end_minute": 600}, "contact_end_minute"),
        ({"iban": "NL91ABNA0417164301"}, "iban"),
        ({"bic": "ABN"}, "bic"),
        ({"digest_recipients": ["not an address"]}, "digest_recipients"),
        ({"sender_config": {"email": {"from_address": "x"}}}, "sender_config.email.from_address"),
        (
            {"sender_config": {"email": {"form_address": "a@b.nl"}}},
            "sender_config.email.form_address",
        ),
        ({"sender_config": {"fax": {}}}, "sender_config.fax.[key]"),
        ({"logo_path": "logo.exe"}, "logo_path"),
        ({"min_gap_days": 0}, "min_gap_days"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_field(patch: dict[str, object], field: str) -> None:
    row = Creditor(name="c", country="NL")
    with pytest.raises(ValidationError) as err:
        partial_update(row, patch)
    assert field in _fields(err.value)


def test_belgium_has_the_same_window_and_a_narrower_one_passes() -> None:
    row = Creditor(name="c", country="BE")
    with pytest.raises(ValidationError):
        partial_update(row, {"contact_end_minute": 21 * 60})
    narrowed = partial_update(row, {"allowed_weekdays": [4, 0, 0], "contact_end_minute": 17 * 60})
    assert narrowed.allowed_weekdays == [0, 4]


def test_iban_check_digits_and_spaces() -> None:
    assert iban_ok("NL91ABNA0417164300")
    assert iban_ok("BE68539007547034")
    assert not iban_ok("NL91ABNA0417164399")
    cfg = partial_update(Creditor(name="c"), {"iban": "nl91 abna 0417 1643 00", "bic": "abnanl2a"})
    assert (cfg.iban, cfg.bic) == ("NL91ABNA0417164300", "ABNANL2A")


def test_changes_and_write_round_trip_and_the_rules_read_them() -> None:
    row = Creditor(name="c")
    cfg = partial_update(
        row,
        {
            "disabled_channels": ["sms"],
            "bundle_days": 4,
            "sender_config": {"email": {"sender": "smtp", "reply_to": "ar@c.nl"}},
        },
    )
    changes = cfg.changes(row)
    assert set(changes) == {"disabled_channels", "bundle_days", "sender_config"}
    assert changes["sender_config"] == ({}, {"email": {"sender": "smtp", "reply_to": "ar@c.nl"}})
    cfg.write(row)
    assert partial_update(row, {}).changes(row) == {}
    rules = creditor_settings(row)
    assert "sms" not in rules.enabled_channels
    assert rules.bundle_days == 4
    assert row.channel_costs_cents["sms"] == 20  # the cost is kept for when it is switched on
