"""One declaration of the channel facts: every channel has them once, and the places that used to
repeat them derive from them."""

from ledger.channels import CALLS, CHANNELS, FACTS, Reach, default_costs
from ledger.enums import Channel, Country
from ledger.tables import Creditor
from policy.contact_window import legal_windows
from policy.creditor_config import CreditorConfig
from policy.flow_state import CreditorSettings


def test_every_channel_is_declared_once() -> None:
    assert [f.channel for f in CHANNELS] == list(Channel)
    assert set(FACTS) == set(Channel)


def test_costs_reach_and_calls_derive_from_the_registry() -> None:
    costs = {f.channel: f.cost_cents for f in CHANNELS}
    assert CreditorSettings(name="x").channel_costs_cents == costs
    assert Creditor(name="x").channel_costs_cents == {c.value: v for c, v in costs.items()}
    assert dict(CreditorConfig().channel_costs_cents) == costs
    assert default_costs() is not default_costs()  # callers may change their copy
    assert {c for c in Channel if FACTS[c].reach == Reach.PHONE} >= CALLS
    for c in Channel:
        calls_apart = len(legal_windows(Country.BE, c)) > 1
        assert calls_apart == (c in CALLS)


def test_feature_categories_and_sender_defaults_derive_from_the_registry() -> None:
    from features.specs import CHANNELS as FEATURE_CHANNELS
    from serving.senders import DEFAULTS, LOCAL_SINKS

    assert tuple(f.channel.value for f in CHANNELS) == FEATURE_CHANNELS
    assert {c: DEFAULTS[c] for c in Channel} == {f.channel: f.sender for f in CHANNELS}
    assert {k: v["sender"] for k, v in LOCAL_SINKS.items()} == {
        f.channel.value: f.local_sink for f in CHANNELS
    }
