"""The report pages in a real browser: a uvicorn server on a loopback port, headless Chromium
(Debian's ``chromium``, ``make browser-deps``) driven by Playwright (:mod:`tests.browser`). Checks
the key figures and the charts are on the page, the console stays clean, and saves screenshots to
``out/screenshots/`` (git-ignored) — also of the PDFs, via ``pdftoppm``."""

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser
from sqlmodel import Session, SQLModel

from ledger.db import make_engine
from ledger.settings import PROJECT_ROOT
from serving.reports.links import signed_query
from tests.browser import Watched, find_chromium, served, watched
from tests.serving.reports import sample_ledger as sample
from tests.serving.reports.conftest import SECRET, reports_app
from tests.waits import HANG_GUARD_S

SCREENSHOTS = PROJECT_ROOT / "out" / "screenshots"
CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed; `make browser-deps` installs it"
)
pytestmark = pytest.mark.xdist_group("browser")


@dataclass
class Live:
    base: str
    creditor_id: int

    def signed(self, path: str, extra: str = "") -> str:
        query = signed_query(path, self.creditor_id, int(time.time()) + 600, secret=SECRET)
        return f"{self.base}{path}?{query}{extra}"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The API with the reports router on the sample ledger, served by uvicorn in a thread."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('live') / 'ledger.db'}")
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        creditor_id = sample.build(session).creditor.id
        session.commit()
    assert creditor_id is not None
    try:
        with served(reports_app(engine)) as base:
            yield Live(base, creditor_id)
    finally:
        engine.dispose()


@dataclass
class Visited:
    dom: str
    images: list[dict[str, object]]
    errors: list[str]


def visit(browser: Browser, url: str, screenshot: Path | None = None) -> Visited:
    """Open ``url``, wait for its images, and read the DOM, the images and the console."""
    seen: Watched = watched(browser)
    try:
        seen.page.goto(url, wait_until="load")
        images = seen.page.evaluate(
            "Array.from(document.images).map(i => "
            "({id: i.id, width: i.naturalWidth, src: i.src.length}))"
        )
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            seen.page.screenshot(path=str(screenshot), full_page=True)
        return Visited(seen.page.content(), images, seen.errors)
    finally:
        seen.page.close()


def _charts(images: list[dict[str, object]]) -> dict[str, object]:
    return {str(i["id"]): i["width"] for i in images if int(i["width"]) > 0 and int(i["src"]) > 200}  # type: ignore[call-overload]


@pytest.mark.browser
@needs_chromium
def test_console_errors_are_caught(browser: Browser) -> None:
    """The detector itself: a page that logs an error and throws is reported."""
    page = visit(browser, "data:text/html,<script>console.error('boom');undefinedCall()</script>")
    assert any("boom" in e for e in page.errors)
    assert any("Uncaught" in e or "undefinedCall" in e for e in page.errors)


@pytest.mark.browser
@needs_chromium
def test_weekly_page_in_chromium(live: Live, browser: Browser) -> None:
    shot = SCREENSHOTS / "weekly-nl.png"
    page = visit(browser, live.signed("/reports/weekly", "&as_of=2026-11-24"), screenshot=shot)
    assert page.errors == []
    for figure in ("€ 4.240,00", "+€ 1.350,00", "81,5", "€ 650,00", "€ 1,70", "€ 2.250,00"):
        assert figure in page.dom, figure
    assert "Klaar voor incasso" in page.dom
    charts = _charts(page.images)
    assert set(charts) == {"dso-chart", "cash-chart"}  # decoded, with a real width
    assert shot.stat().st_size > 20_000


@pytest.mark.browser
@needs_chromium
def test_weekly_page_in_english(live: Live, browser: Browser) -> None:
    shot = SCREENSHOTS / "weekly-en.png"
    url = live.signed("/reports/weekly", "&as_of=2026-11-24&lang=en")
    page = visit(browser, url, screenshot=shot)
    assert page.errors == []
    for figure in ("€4,240.00", "+€1,350.00", "81.5", "€650.00", "Ready for collection"):
        assert figure in page.dom, figure


@pytest.mark.browser
@needs_chromium
def test_decision_page_in_chromium(live: Live, browser: Browser) -> None:
    shot = SCREENSHOTS / "decision-en.png"
    url = live.signed(f"/reports/decisions/{sample.REC_ID}", "&lang=en")
    page = visit(browser, url, screenshot=shot)
    assert page.errors == []
    for text in ("SMS, friendly (reminder)", "€106.50", "€93.00", "26 November 2026 09:00"):
        assert text in page.dom, text
    assert "debtor opted out of phone calls" in page.dom
    assert "promise to pay broken" in page.dom  # the dossier event in words
    assert set(_charts(page.images)) == {"waterfall"}


@pytest.mark.browser
@needs_chromium
def test_degraded_decision_in_chromium(live: Live, browser: Browser) -> None:
    url = live.signed(f"/reports/decisions/{sample.DEGRADED_REC_ID}")
    page = visit(browser, url, screenshot=SCREENSHOTS / "decision-degraded-nl.png")
    assert page.errors == []
    assert "Het model was niet beschikbaar" in page.dom
    assert _charts(page.images) == {}


def _pdf_pages(pdf: Path, stem: str) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed; `make browser-deps` installs it")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(SCREENSHOTS / stem)], check=True)
    return sorted(SCREENSHOTS.glob(f"{stem}-*.png"))


def test_pdfs_from_the_live_server(live: Live, tmp_path: Path) -> None:
    """The PDFs as served (signed link, same one as the page): text and page images."""
    for path, extra, stem, figures in (
        ("/reports/weekly", "&as_of=2026-11-24", "weekly-pdf", ("€ 4.240,00", "81,5")),
        (f"/reports/decisions/{sample.REC_ID}", "&lang=en", "decision-pdf", ("€106.50",)),
    ):
        url = live.signed(path, extra).replace(path + "?", path + ".pdf?")
        response = httpx.get(url, timeout=HANG_GUARD_S)
        assert response.status_code == 200
        pdf = tmp_path / f"{stem}.pdf"
        pdf.write_bytes(response.content)
        if shutil.which("pdftotext") is None:
            pytest.skip("pdftotext (poppler-utils) is not installed")
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        for figure in figures:
            assert figure in " ".join(text.split()), figure
        assert _pdf_pages(pdf, stem)
