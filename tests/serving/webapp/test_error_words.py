"""A refused form speaks the page's language: pydantic's errors by type, the forms' own problems
and the operate refusals by code, each under the form's label — and every error type the app's
forms can produce has its words."""

import html
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter, ValidationError

from policy.creditor_config import CreditorConfig
from policy.segments import SegmentConfig
from serving.operate.call_outcomes import CallOutcome
from serving.operate.dossier_actions import DossierAction
from serving.webapp.error_words import message_key
from tests.serving.webapp.conftest import Tenants, csrf_of, log_in
from tests.serving.webapp.test_pages import SETTINGS_FORM, _debtor_id

# what each language must never show on the other's page
ENGLISH = (
    "required",
    "Field",
    "Input should",
    "Value error",
    "is not",
    "lies",
    "outside",
    "call list",
)
DUTCH = ("verplicht", "is geen", "ligt", "buiten", "gesprek", "euro's")


def _alert(answer: Any) -> str:
    assert answer.status_code == 422, answer.text[-500:]
    return html.unescape(answer.text.split('role="alert">', 1)[1].split("</div>", 1)[0])


def _refusals(client: TestClient, language: str) -> list[str]:
    """The error boxes of a bad dossier action, a bad setting and an unknown call, as shown to
    the finance user (who switches to ``language``) and an admin-free call list."""
    log_in(client, Tenants.email("finance"))
    client.post("/app/language", data={"csrf": csrf_of(client), "language": language})
    debtor = _debtor_id(client, "Jansen")
    csrf = csrf_of(client)
    url = f"/app/debtors/{debtor}/actions"
    posts = [
        (url, {"action": "pause", "reason": ""}),
        (url, {"action": "pause", "reason": "x", "until": "2020-01-01"}),
        (url, {"action": "promise", "amount_euros": "twaalf", "promised_date": "2026-12-01"}),
        (url, {"action": "promise", "amount_euros": "0", "promised_date": "morgen"}),
        (url, {"action": "promise", "amount_euros": "10", "promised_date": "2020-01-01"}),
        ("/app/settings", {**SETTINGS_FORM, "contact_start_minute": "25u"}),
        ("/app/settings", {**SETTINGS_FORM, "allowed_weekdays": ["0", "6"], "iban": "NL00"}),
        ("/app/calls/outcome", {"row_key": "case-other", "outcome": "no_answer"}),
    ]
    return [_alert(client.post(path, data={**data, "csrf": csrf})) for path, data in posts]


NL_LINES = [
    ["Reden: is verplicht"],
    ["Tot en met: 1 januari 2020 ligt niet na vandaag"],
    ["Bedrag: 'twaalf' is geen bedrag in euro's"],
    ["Bedrag: moet minstens € 0,01 zijn", "Betaalt uiterlijk: is geen datum (JJJJ-MM-DD)"],
    ["Betaalt uiterlijk: ligt in het verleden"],
    ["Vanaf: '25u' is geen tijd UU:MM"],
    ["Contactdagen: zondag: buiten de wettelijke contactdagen", "IBAN: 'NL00' is geen geldige"],
    ["Gesprek: geen gesprek 'case-other' op de bellijst"],
]
EN_LINES = [
    ["Reason: is required"],
    ["Until: 1 January 2020 is not after today"],
    ["Amount: 'twaalf' is not an amount in euros"],
    ["Amount: must be at least €0.01", "Pays by: is not a date (YYYY-MM-DD)"],
    ["Pays by: lies in the past"],
    ["From: '25u' is not a time HH:MM"],
    ["Contact days: Sunday: outside the law's contact days", "IBAN: 'NL00' is not a valid"],
    ["Call: no call list row 'case-other'"],
]


@pytest.mark.parametrize(
    ("language", "expected", "foreign"), [("nl", NL_LINES, ENGLISH), ("en", EN_LINES, DUTCH)]
)
def test_every_refusal_speaks_the_pages_language(
    client: TestClient, language: str, expected: list[list[str]], foreign: tuple[str, ...]
) -> None:
    boxes = _refusals(client, language)
    for box, lines in zip(boxes, expected, strict=True):
        for line in lines:
            assert line in box, box
        for word in foreign:
            assert word not in box, (word, box)


def test_segments_refusals_speak_dutch(client: TestClient) -> None:
    log_in(client, Tenants.email("admin"))  # a Dutch speaker
    base = {"csrf": csrf_of(client, "/app/segments"), "name": "Groot", "priority": "10"}
    tones = _alert(
        client.post("/app/segments", data={**base, "min_tone": "firm", "max_tone": "friendly"})
    )
    assert "Toon hoogstens: vriendelijk ligt onder Toon minstens: streng" in tones
    rules = _alert(client.post("/app/segments", data={**base, "rules": '[{"colour": 1}]'}))
    assert "Wie hoort erbij 0 colour: hoort hier niet" in rules
    assert client.post("/app/segments", data=base).status_code == 200
    assert "Naam: er is al een segment 'Groot'" in _alert(client.post("/app/segments", data=base))


BAD = ("", "x", "-1", "0", "1.5", "6", "25:00", "NL00", "2020-13-40", "2020-01-01T10:00",
       "9" * 30, "x" * 20_000, [], {}, ["x"], ["6"], {"x": "x"}, [{"x": "x"}], [{"days": "x"}],
       [{"min_open_cents": 9, "max_open_cents": 1}], None)  # fmt: skip


ACTION_FIELDS = (
    "until",
    "reason",
    "invoice_numbers",
    "resolution",
    "invoice_number",
    "credit_cents",
    "amount_cents",
    "promised_date",
    "note",
    "text",
    "stage",
)


def _types(validate: Any, base: dict[str, Any], fields: Any) -> set[str]:
    seen: set[str] = set()
    for field in fields:
        for value in BAD:
            try:
                validate({**base, field: value})
            except ValidationError as err:
                seen |= {e["type"] for e in err.errors()}
    return seen


def _model(model: type[BaseModel], base: dict[str, Any], **context: Any) -> set[str]:
    return _types(lambda v: model.model_validate(v, context=context), base, model.model_fields)


def test_every_error_type_the_forms_can_produce_has_words() -> None:
    actions = TypeAdapter(DossierAction)
    seen = _types(actions.validate_python, {"action": "x"}, ["action"])
    for tag in ("pause", "resume", "dispute", "resolve_dispute", "promise", "note", "hand_off"):
        seen |= _types(actions.validate_python, {"action": tag}, ACTION_FIELDS)
    seen |= _model(CallOutcome, {"row_key": "k", "outcome": "no_answer"})
    settings = CreditorConfig().model_dump(mode="json")
    for country in ("NL", "BE"):
        seen |= _model(CreditorConfig, settings, country=country)
    seen |= _model(SegmentConfig, {"name": "x", "min_tone": "firm"})
    assert {"missing", "greater_than_equal", "outside_law_days", "below_minimum"} <= seen
    assert sorted(t for t in seen if message_key(t) is None) == []
