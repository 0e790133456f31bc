"""The rules' reasons in plain words: the issue's examples, both languages, and every wording's
placeholders filled by its pattern's groups."""

import re
import string

import pytest

from serving.reports.rule_words import WORDINGS, model_words, plain


@pytest.mark.parametrize(
    ("reason", "nl", "en"),
    [
        (
            "the 14-day letter must state the exact costs: 4000 cents, not 0",
            "De 14-dagenbrief moet de incassokosten precies noemen: € 40,00, niet € 0,00.",
            "The 14-day letter must state the collection costs exactly: €40.00, not €0.00.",
        ),
        (
            "within the minimum gap of 3 days of the contact on 2026-11-25",
            "Te kort na (of voor) het bericht van 25 november 2026: minstens 3 dagen ertussen.",
            "Too close to the message of 25 November 2026: at least 3 days apart.",
        ),
        (
            "Saturday is not a contact day (creditor Bakkerij)",
            "Op zaterdag worden geen berichten verstuurd.",
            "No messages go out on Saturday.",
        ),
        (
            "pre_collection starts 7 days after the due date; now 2",
            "Een aanmaning mag pas 7 dagen na de vervaldatum; het is nu 2 dagen.",
            "A pre-collection reminder may go only 7 days after the due date; it is 2 days now.",
        ),
        (
            "next level (+17 days) on 2026-12-04",  # the ladder's note on a wait
            "De ladder wacht: de volgende stap (+17 dagen) is op 4 december 2026.",
            "The ladder waits: its next step (+17 days) is on 4 December 2026.",
        ),
        (
            "one contact must cover every overdue invoice; missing WH-2026-000494",
            "Eén bericht moet alle vervallen facturen noemen; WH-2026-000494 ontbreekt.",
            "One message must cover every overdue invoice; WH-2026-000494 is missing.",
        ),
        (  # a plan in force, stored in the debtor's language: read in the reader's
            "plan email/neutral/14d geldt sinds 2026-11-30",
            "Het plan loopt sinds 30 november 2026: e-mail, neutrale toon, om de 14 dagen.",
            "The plan in force since 30 November 2026: e-mail, neutral tone, every 14 days.",
        ),
        (
            "plan letter/firm/14d: the escalation plan after a broken promise, instead of the "
            "segment's plan phone/neutral/7d (chance 80%)",
            "Na een gebroken belofte het escalatieplan: brief, strenge toon, om de 14 dagen, in "
            "plaats van het plan van het segment (telefoon, neutrale toon, om de 7 dagen; kans "
            "80%).",
            "After a broken promise the escalation plan: letter, firm tone, every 14 days, instead "
            "of the segment's plan (phone call, neutral tone, every 7 days; chance 80%).",
        ),
        (
            "plan wait: geprobeerd naast het segmentplan email/neutral/14d (kans 3%), zodat een "
            "model kan leren wat het oplevert",
            "Geprobeerd naast het plan van het segment (e-mail, neutrale toon, om de 14 dagen; "
            "kans 3%), zodat een model kan leren wat het oplevert: wachten tot het volgende "
            "beslismoment.",
            "Tried beside the segment's plan (e-mail, neutral tone, every 14 days; chance 3%), so "
            "that a model can learn what it brings: waiting until the next decision.",
        ),
        (
            "letter needs a postal address, which the debtor lacks",
            "Voor brief ontbreken de contactgegevens van de debiteur.",
            "The debtor's details for letter are missing.",
        ),
    ],
)
def test_known_reasons_in_plain_words(reason: str, nl: str, en: str) -> None:
    assert plain(reason, "nl") == nl
    assert plain(reason, "en") == en


def test_an_unknown_reason_is_shown_as_written() -> None:
    assert plain("something new the rules say", "nl") == "something new the rules say"


@pytest.mark.parametrize(("pattern", "nl", "en"), WORDINGS)
def test_every_placeholder_is_a_group_of_its_pattern(pattern: str, nl: str, en: str) -> None:
    groups = set(re.compile(pattern).groupindex)
    for text in (nl, en):
        names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert names <= groups, (pattern, names - groups)


@pytest.mark.parametrize(
    ("version", "nl", "en"),
    [
        ("dunning-policy/3", "dunning-policy, versie 3", "dunning-policy, version 3"),
        ("ladder", "de vaste aanmaanladder (geen model)", "the fixed reminder ladder (no model)"),
        ("rules", "de regels (geen model)", "the rules (no model)"),
        ("something/else", "something/else", "something/else"),  # shown as written
    ],
)
def test_who_decided_in_words(version: str, nl: str, en: str) -> None:
    assert (model_words(version, "nl"), model_words(version, "en")) == (nl, en)
