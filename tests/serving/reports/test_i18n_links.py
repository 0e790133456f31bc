"""Money and dates per language, the message catalogues, and signed links."""

from datetime import UTC, date, datetime, timedelta

import pytest

from serving.reports.i18n import Lang, as_language
from serving.reports.links import LinkError, sign, signed_query, verify
from serving.reports.messages import MESSAGES

SECRET = "s3cret"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "cents", "signed", "text"),
    [
        ("nl", 123_456, False, "€ 1.234,56"),
        ("en", 123_456, False, "€1,234.56"),
        ("nl", -5, False, "-€ 0,05"),
        ("en", 135_000, True, "+€1,350.00"),
        ("nl", 0, True, "€ 0,00"),
        ("en", 123_456_789, False, "€1,234,567.89"),
    ],
)
def test_money(lang: str, cents: int, signed: bool, text: str) -> None:
    assert Lang(as_language(lang)).money(cents, signed=signed) == text


def test_numbers_and_dates() -> None:
    nl, en = Lang("nl"), Lang("en")
    assert (nl.number(1234.5), en.number(1234.5)) == ("1.234,5", "1,234.5")
    assert (nl.percent(0.71, 0), en.percent(0.715)) == ("71%", "71.5%")
    assert nl.long_date(date(2026, 11, 24)) == "24 november 2026"
    assert en.long_date(date(2026, 11, 24)) == "24 November 2026"
    assert (nl.short_date(date(2026, 3, 5)), en.short_date(date(2026, 3, 5))) == ("05-03", "5 Mar")


def test_catalogues_have_the_same_keys() -> None:
    assert set(MESSAGES["nl"]) == set(MESSAGES["en"])
    assert as_language("fr") == "nl"
    assert as_language("en") == "en"


def test_signed_link_round_trip() -> None:
    exp = NOW + timedelta(hours=1)
    sig = sign("/reports/weekly", 7, exp, secret=SECRET)
    verify("/reports/weekly", 7, int(exp.timestamp()), sig, secret=SECRET, now=NOW)
    # one link opens the page and its PDF
    verify("/reports/weekly.pdf", 7, int(exp.timestamp()), sig, secret=SECRET, now=NOW)
    assert "creditor=7" in signed_query("/reports/weekly", 7, exp, secret=SECRET)


@pytest.mark.parametrize(
    ("path", "creditor", "exp_shift", "sig_secret", "field"),
    [
        ("/reports/weekly", 7, -1, SECRET, "exp"),  # expired
        ("/reports/weekly", 8, 3600, SECRET, "sig"),  # another creditor
        ("/reports/decisions/x", 7, 3600, SECRET, "sig"),  # another page
        ("/reports/weekly", 7, 3600, "other", "sig"),  # not our key
    ],
)
def test_bad_links_name_the_parameter(
    path: str, creditor: int, exp_shift: int, sig_secret: str, field: str
) -> None:
    exp = int(NOW.timestamp()) + exp_shift
    sig = sign("/reports/weekly", 7, exp, secret=sig_secret)
    with pytest.raises(LinkError) as err:
        verify(path, creditor, exp, sig, secret=SECRET, now=NOW)
    assert err.value.field == field


def test_extending_the_expiry_breaks_the_signature() -> None:
    exp = int(NOW.timestamp()) - 10
    sig = sign("/reports/weekly", 7, exp, secret=SECRET)
    with pytest.raises(LinkError) as err:
        verify("/reports/weekly", 7, exp + 86_400, sig, secret=SECRET, now=NOW)
    assert err.value.field == "sig"


def test_no_secret_no_links() -> None:
    with pytest.raises(LinkError, match="DUNFLOW_REPORTS_SECRET"):
        sign("/reports/weekly", 7, NOW, secret="")
