"""The pages rendered from the sample ledger: key figures, charts, both languages, escaping."""

import re
from datetime import date

import pytest
from sqlmodel import Session

from features.specs import get_spec
from serving.reports.decision import DecisionNotFoundError, load_decision
from serving.reports.digest_data import build_digest
from serving.reports.flow_effect import FlowEffect, FlowEffectError, load_flow_effect
from serving.reports.i18n import Lang
from serving.reports.render import render_decision, render_weekly
from tests.serving.reports import sample_ledger as sample
from tests.serving.reports.conftest import Ledger

IMG = re.compile(
    r'<img class="chart" id="([\w-]+)" src="data:image/png;base64,([A-Za-z0-9+/=]{200,})"'
)


def test_weekly_nl(session: Session, ledger: Ledger) -> None:
    html = render_weekly(
        build_digest(session, creditor_name=sample.CREDITOR, as_of=sample.AS_OF), "nl"
    )
    for text in (
        'lang="nl"',
        "Bakkerij de Vries B.V.",
        "Weekoverzicht",
        "24 november 2026",
        "€ 4.240,00",  # outstanding
        "+€ 1.350,00 sinds vorige week (€ 2.890,00)",
        "81,5",  # DSO
        "€ 650,00",  # collected
        "€ 1,70",  # cost of next week's reminders
        "Betaalbelofte niet nagekomen",
        "Klaar voor incasso",
        "Termijn 14-dagenbrief loopt af",
        "Nog niet gemeten.",  # no flow effect given
    ):
        assert text in html, text
    assert {m.group(1) for m in IMG.finditer(html)} == {"dso-chart", "cash-chart"}
    cash = html[html.index('id="cash"') :]
    assert re.search(r"02-12 – 08-12</td><td[^>]*>1</td><td[^>]*>€ 150,00</td>", cash)
    assert re.search(r"16-12 – 22-12</td><td[^>]*>2</td><td[^>]*>€ 2.250,00</td>", cash)


def test_weekly_en_with_flow_effect(session: Session, ledger: Ledger) -> None:
    effect = FlowEffect(
        policy={"dso_days": 41.2, "collected_share": 0.93},
        ladder={"dso_days": 47.9, "collected_share": 0.9},
        source="simulator replay",
        measured_on=date(2026, 11, 20),
    )
    data = build_digest(
        session, creditor_name=sample.CREDITOR, as_of=sample.AS_OF, flow_effect=effect
    )
    html = render_weekly(data, "en")
    for text in (
        'lang="en"',
        "Weekly digest",
        "€4,240.00",
        "+€1,350.00 since last week (€2,890.00)",
        "81.5",
        "€650.00",
        "Broken promise to pay",
        "Ready for collection",
        "41.2",
        "47.9",
        "93.0%",
        "Source: simulator replay",
    ):
        assert text in html, text
    assert "Not measured yet." not in html


def test_flow_effect_file(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "effect.json"  # type: ignore[operator]
    assert load_flow_effect(path) is None  # not measured yet
    path.write_text('{"policy": {"dso_days": 40}, "ladder": {"dso_days": 45}}')
    effect = load_flow_effect(path)
    assert effect is not None
    assert effect.metrics == ("dso_days",)
    path.write_text('{"policy": 1}')
    with pytest.raises(FlowEffectError):
        load_flow_effect(path)


def test_decision_en(session: Session, ledger: Ledger) -> None:
    view = load_decision(session, creditor_id=ledger.creditor_id, recommendation_id=sample.REC_ID)
    html = render_decision(view, "en")
    for text in (
        "Decision explanation",
        "M. Visser (K-0404)",
        "SMS, friendly (reminder)",
        "26 November 2026 09:00",  # 08:00 UTC shown in Europe/Amsterdam
        # what a client reads: euros expected in, cost and complaint risk, beside waiting
        "Expected to collect (14 days)",
        "€106.50",  # 71 % of the €150.00 open on the decision's day
        "71% chance of payment of €150.00 open",
        "Complaint risk: 1.0%",
        "Waiting would be expected to collect €61.50 (41% chance); this action is expected to "
        "collect €45.00 more, for €0.20 in cost.",
        "€93.00",  # the e-mail alternative: 62 % of €150.00
        "Wait: send nothing now",
        "debtor opted out of phone calls",  # a refusal
        "1 promises to pay broken — lowers the chance of payment",  # a reason, in English
        "promise to pay broken",  # the dossier timeline, in words
        "18 November 2026 10:00",
        "dunning-policy, version 7",  # who decided, in words
    ):
        assert text in html, text
    assert [m.group(1) for m in IMG.finditer(html)] == ["waterfall"]
    assert "The model was not available" not in html
    for wrong in ("€98.70", "€85.10", "…", "bereikt haar", "Reageert"):  # no bare value, no Dutch
        assert wrong not in html, wrong


def test_decision_nl_waterfall_labels(session: Session, ledger: Ledger) -> None:
    view = load_decision(session, creditor_id=ledger.creditor_id, recommendation_id=sample.REC_ID)
    labels = dict(view.contributions(Lang("nl")))
    broken = get_spec("hist_n_promises_broken").describe(1, "nl")  # the feature's own words
    assert labels[broken] == -0.62
    assert len(labels) == 10
    html = render_decision(view, "nl")
    assert "Uitleg van de beslissing" in html
    assert "€ 106,50" in html  # 71 % of the € 150,00 open that day, not the expected value
    assert "98,70" not in html
    assert "26 november 2026 09:00" in html
    assert "dunning-policy, versie 7" in html


def test_degraded_decision_says_so(session: Session, ledger: Ledger) -> None:
    view = load_decision(
        session, creditor_id=ledger.creditor_id, recommendation_id=sample.DEGRADED_REC_ID
    )
    html = render_decision(view, "en")
    assert "The model was not available. The fixed reminder ladder chose" in html
    assert '<td id="decided-by">the fixed reminder ladder (no model)</td>' in html
    assert 'id="waterfall"' not in html
    assert "No reasons recorded." in html


def test_other_creditors_decision_is_not_found(session: Session, ledger: Ledger) -> None:
    with pytest.raises(DecisionNotFoundError):
        load_decision(
            session, creditor_id=ledger.creditor_id, recommendation_id=ledger.other_rec_id
        )
    with pytest.raises(DecisionNotFoundError):
        load_decision(session, creditor_id=ledger.creditor_id, recommendation_id="nope")


def test_names_are_escaped(session: Session, ledger: Ledger) -> None:
    from ledger.tables import Debtor, Recommendation

    rec = session.get(Recommendation, sample.REC_ID)
    assert rec is not None
    debtor = session.get(Debtor, rec.debtor_id)
    assert debtor is not None
    debtor.name = "<script>alert(1)</script>"
    session.add(debtor)
    session.flush()
    view = load_decision(session, creditor_id=ledger.creditor_id, recommendation_id=sample.REC_ID)
    html = render_decision(view, "en")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_decision_reasons_speak_the_pages_language(session: Session, ledger: Ledger) -> None:
    """The logged reasons are Dutch sentences; the English page re-words them (issue 18)."""
    from serving.reports.service import decision_page

    page = decision_page(
        session, creditor_id=ledger.creditor_id, recommendation_id=sample.REC_ID, language="en"
    ).html
    reasons = page.split('id="reasons"', 1)[1].split("</ol>", 1)[0]
    assert "the chance of payment" in reasons
    assert "kans op betaling" not in reasons
    assert "Reageert vaak" not in reasons


def test_a_logged_row_that_is_no_api_answer_is_not_found(session: Session, ledger: Ledger) -> None:
    """The simulator's decision log keeps its own body: no explanation to show, and no crash."""
    from ledger.tables import Recommendation

    row = session.get(Recommendation, sample.REC_ID)
    assert row is not None
    row.body = {"source": "simulator", "cost_cents": 0}
    session.add(row)
    session.flush()
    with pytest.raises(DecisionNotFoundError):
        load_decision(session, creditor_id=ledger.creditor_id, recommendation_id=sample.REC_ID)


def test_the_decisions_dossier_is_in_words(session: Session, ledger: Ledger) -> None:
    """The dossier's events by name, who did them and their fields in the page's language,
    never the stored codes."""
    view = load_decision(session, creditor_id=ledger.creditor_id, recommendation_id=sample.REC_ID)
    for lang, words in (
        ("nl", ("herinnering verstuurd", "dagelijkse ronde", "kanaal: e-mail, toon: vriendelijk",
                "belooft te betalen op: 17 november 2026")),
        ("en", ("reminder sent", "daily cycle", "channel: e-mail, tone: friendly",
                "promises to pay on: 17 November 2026")),
    ):  # fmt: skip
        html = render_decision(view, lang)  # type: ignore[arg-type]
        section = html.split('<section id="timeline">', 1)[1].split("</section>", 1)[0]
        for text in words:
            assert text in section, (lang, text)
        cells = re.findall(r"<td>([^<]*)</td>", section)
        assert not [c for c in cells if "_" in c], cells
