"""Hypothesis-generated corruption of import files, and the properties every import must keep.

A valid generic CSV (debtors, invoices, payments), SAP FI-AR export and CAMT.053 statement is
corrupted by one to three operations drawn from :data:`CSV_DAMAGE` / :data:`XML_DAMAGE`
(re-encodings, truncation, swapped or dropped columns, wrong types, duplicated rows, huge fields,
BOMs, an empty file, other delimiters, random bytes, XML that is not well-formed) and imported.
:func:`check_import` then holds the properties: the import succeeds whole (every row of the
ledger's tables grew by what the summary says) or writes nothing at all; it raises nothing but
:class:`ImportValidationError`; every error names the file, a row and a column, and the errors come
in row order. Shared by ``test_fuzz.py`` (CI-sized) and ``benchmarks/bench_fuzz.py`` (many more).
"""

import codecs
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from ledger.db import make_engine
from ledger.importers import ImportValidationError, import_file
from tests.ledger.importers.conftest import DATA, snapshot

CREDITOR = "Fuzz BV"
HUGE = 1_000_000  # characters of a huge field

DEBTORS = (
    "external_id,kind,name,email,country,language,segment,opted_out_channels\n"
    "D1,b2b,Café Noël BV,ap@noel.example,NL,nl,Horeca,sms\n"
    "D2,b2c,Jan Smit,jan@smit.example,BE,fr,,\n"
    'D3,b2b,"Bakkerij ""De Zon"", Utrecht",,NL,,,\n'
)
INVOICES = (
    "number,debtor_external_id,issue_date,due_date,amount,open_amount,payment_reference\n"
    "F1,D1,2026-01-05,2026-02-04,267.00,,RF18 0001\n"
    "F2,D2,2026-01-06,2026-02-05,19.9,19.9,\n"
    "F3,D1,2026-02-01,2026-03-01,1234.56,100.00,\n"
)
PAYMENTS = (
    "external_ref,paid_on,amount,reference,invoice_number,debtor_external_id\n"
    "P1,2026-02-03,100.00,RF18 0001,F1,\n"
    "P2,2026-02-10,19.90,,F2,D2\n"
    "P3,2026-02-11,5.00,gift,,\n"
)
SAP = (
    "MANDT,BUKRS,GJAHR,HKONT,KUNNR,PRCTR,KNA1_LAND1,KNA1_ORT01,ZTERM,DUE_DATE_SOURCE,VALUE_EUR,"
    "MWSTS,BLART,TBSLT_LTEXT,DATUM,DUE_DATE,PAYMENT_DATE\n"
    "310,3,2018,11,18724,1,NL,KATWIJK,63,ZBD2T,607,0.0,RV,Invoice,2017-12-01,2017-12-23,20180109\n"
    "310,3,2018,11,19521,1,NL,WARNSVELD,63,ZBD2T,1,0.0,RV,Invoice,2018-01-02,2018-01-10,\n"
    "310,3,2018,11,5420,1,NL,OSS,63,ZBD2T,-14,0.0,RV,Credit memo,2017-12-01,2017-12-27,\n"
    "310,3,2018,11,18724,1,NL,KATWIJK,63,ZBD2T,50.5,0.0,RV,Invoice,2018-01-02,2018-01-27,\n"
)
CAMT = (DATA / "camt053_sample.xml").read_text(encoding="utf-8")

# (entity, format, the valid file): the order matters, later files refer to earlier ones
FILES: list[tuple[str, str, str]] = [
    ("debtors", "csv", DEBTORS), ("invoices", "csv", INVOICES), ("payments", "csv", PAYMENTS),
    ("invoices", "sap", SAP), ("payments", "camt053", CAMT),
]  # fmt: skip

Damage = Callable[[st.DrawFn, bytes], bytes]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _cell_edit(draw: st.DrawFn, data: bytes, new: Callable[[bytes], bytes]) -> bytes:
    lines = _lines(data)
    i = draw(st.integers(0, max(len(lines) - 2, 0)))
    cells = lines[i].split(b",")
    j = draw(st.integers(0, len(cells) - 1))
    cells[j] = new(cells[j])
    lines[i] = b",".join(cells)
    return b"\n".join(lines)


def reencode(draw: st.DrawFn, data: bytes) -> bytes:
    codec = draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-32"]))
    return data.decode("utf-8", errors="replace").encode(codec, errors="replace")


def truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: draw(st.integers(0, max(len(data) - 1, 0)))]


def swap_columns(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    header = lines[0].split(b",")
    if len(header) < 2:
        return data
    i, j = draw(st.lists(st.integers(0, len(header) - 1), min_size=2, max_size=2, unique=True))
    swap_header = draw(st.booleans())  # header names swapped, or the values under them
    out = []
    for n, line in enumerate(lines):
        cells = line.split(b",")
        if (n == 0) == swap_header and len(cells) > max(i, j):
            cells[i], cells[j] = cells[j], cells[i]
        out.append(b",".join(cells))
    return b"\n".join(out)


def drop_column(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    j = draw(st.integers(0, len(lines[0].split(b",")) - 1))
    return b"\n".join(b",".join(c for k, c in enumerate(line.split(b",")) if k != j)
                      for line in lines)  # fmt: skip


def wrong_type(draw: st.DrawFn, data: bytes) -> bytes:
    junk = draw(st.one_of(
        st.sampled_from(["abc", "-1", "1e9", "2026-13-45", "NaN", "∞", "١٢٣", "0x1F", "1,5", "",
                         "99999999999999999999", "2026/01/05", "true", " ", '"', "b2x"]),
        st.text(max_size=20),
    ))  # fmt: skip
    return _cell_edit(draw, data, lambda _old: junk.encode("utf-8", errors="surrogatepass"))


def duplicate_row(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    if len(lines) < 3:  # no data row to copy
        return data
    i = draw(st.integers(1, len(lines) - 2))
    copy = lines[i]
    if draw(st.booleans()):  # same key, other content
        copy = copy.replace(b"2026", b"2025", 1).replace(b"0", b"7", 1)
    lines.insert(draw(st.integers(1, len(lines) - 1)), copy)
    return b"\n".join(lines)


def huge_field(draw: st.DrawFn, data: bytes) -> bytes:
    fill = draw(st.sampled_from([b"x", b"9", b"\xc3\xa9"]))
    return _cell_edit(draw, data, lambda _old: fill * HUGE)


def bom(draw: st.DrawFn, data: bytes) -> bytes:
    return draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF8 * 2, codecs.BOM_UTF16])) + data


def empty(draw: st.DrawFn, data: bytes) -> bytes:
    return draw(st.sampled_from([b"", b"\n", b"   ", data.split(b"\n")[0] + b"\n"]))


def delimiter(draw: st.DrawFn, data: bytes) -> bytes:
    return data.replace(b",", draw(st.sampled_from([b";", b"\t", b"|"])))


def random_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    noise = draw(st.one_of(st.binary(min_size=1, max_size=12),
                           st.sampled_from([b"\x00", b'"', b"\r", b"\n\n", b",,,"])))  # fmt: skip
    cut = draw(st.integers(0, 3))
    return data[:at] + noise + data[at + cut :]


def xml_tag(draw: st.DrawFn, data: bytes) -> bytes:
    old = draw(st.sampled_from([b"<Amt", b"</Ntry>", b"<Dt>", b"</Stmt>", b"<BkToCstmrStmt>",
                                b"<AcctSvcrRef>", b"</Document>"]))  # fmt: skip
    new = draw(st.sampled_from([b"", b"<Amount", b"<Dt><", b"<Ntry>"]))
    return data.replace(old, new, draw(st.integers(1, 3)))


def xml_value(draw: st.DrawFn, data: bytes) -> bytes:
    old = draw(st.sampled_from([b"100.00", b"2026-11-23", b"CRDT", b"BOOK", b"EUR",
                                b"ABN-20261123-0002"]))  # fmt: skip
    new = draw(st.sampled_from([b"", b"12,50", b"-5", b"0", b"2026-02-30", b"USD", b"x" * HUGE,
                                b"1e400", b"ABN-20261123-0001", b"&amp;", b"&bogus;"]))  # fmt: skip
    return data.replace(old, new, draw(st.integers(1, 2)))


def xml_entity(draw: st.DrawFn, data: bytes) -> bytes:
    dtd = b'<!DOCTYPE Document [<!ENTITY x "boom">]>\n'
    return data.replace(b"<Document", dtd + b"<Document", 1)


CSV_DAMAGE: list[Damage] = [
    reencode, truncate, swap_columns, drop_column, wrong_type, duplicate_row, huge_field, bom,
    empty, delimiter, random_bytes,
]  # fmt: skip
XML_DAMAGE: list[Damage] = [reencode, truncate, wrong_type, duplicate_row, huge_field, bom, empty,
                            random_bytes, xml_tag, xml_value, xml_entity]  # fmt: skip


@st.composite
def corrupted(draw: st.DrawFn, valid: str, fmt: str) -> tuple[bytes, list[str]]:
    """A valid file with one to three damages applied (and their names, for the report)."""
    damages = XML_DAMAGE if fmt == "camt053" else CSV_DAMAGE
    chosen = draw(st.lists(st.sampled_from(damages), min_size=1, max_size=3))
    data = valid.encode("utf-8")
    for damage in chosen:
        data = damage(draw, data)
    return data, [d.__name__ for d in chosen]


def fresh_ledger(path: Path) -> Engine:
    """A ledger holding the creditor and every valid file (so references can resolve)."""
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    for n, (entity, fmt, text) in enumerate(FILES):
        file = path.parent / f"valid-{n}.{'xml' if fmt == 'camt053' else 'csv'}"
        file.write_text(text, encoding="utf-8")
        import_file(engine, file, entity=entity, fmt=fmt,  # type: ignore[arg-type]
                    creditor=CREDITOR, create_creditor=True)  # fmt: skip
    return engine


def check_import(engine: Engine, path: Path, entity: str, fmt: str) -> str:
    """Import ``path`` and hold the properties; 'imported' or 'refused' (anything else raises)."""
    before = snapshot(engine)
    try:
        summary = import_file(engine, path, entity=entity, fmt=fmt, creditor=CREDITOR)  # type: ignore[arg-type]
    except ImportValidationError as exc:
        refused = exc
    else:
        refused = None
    if refused is not None:
        assert snapshot(engine) == before, "a refused import wrote something"
        _hold_error_properties(refused, path)
        return "refused"
    after = snapshot(engine)
    for table, kind in (("debtor", "debtors"), ("invoice", "invoices"), ("payment", "payments")):
        grew = int(after[table]) - int(before[table])  # type: ignore[call-overload]
        expected = summary.counts[kind].inserted if kind in summary.counts else 0
        assert grew == expected, f"{table}: {grew} rows written, the summary says {expected}"
    return "imported"


def _hold_error_properties(exc: ImportValidationError, path: Path) -> None:
    assert exc.errors, "refused without an error"
    assert exc.total >= len(exc.errors)
    for err in exc.errors:
        assert err.file == str(path), err
        assert isinstance(err.row, int), err
        assert err.row >= 0, err
        assert isinstance(err.column, str), err
        assert err.column, err
        assert len(str(err)) < len(str(path)) + 400, f"a message quotes too much: {err!s:.200}"
    rows = [e.row for e in exc.errors]
    assert rows == sorted(rows), f"errors not in row order: {rows}"


def run(entity: str, fmt: str, valid: str, examples: int, tally: Counter[str]) -> None:
    """``examples`` corrupted versions of one valid file through :func:`check_import`."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = fresh_ledger(Path(tmp) / "ledger.db")
        target = Path(tmp) / f"corrupt.{'xml' if fmt == 'camt053' else 'csv'}"

        @hypothesis.seed(20261202)
        @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                             derandomize=True, phases=[Phase.generate],
                             suppress_health_check=list(HealthCheck))  # fmt: skip
        @hypothesis.given(case=corrupted(valid, fmt))
        def one(case: tuple[bytes, list[str]]) -> None:
            data, damages = case
            target.write_bytes(data)
            outcome = check_import(engine, target, entity, fmt)
            tally[f"{fmt}:{entity}:{outcome}"] += 1
            for name in damages:
                tally[f"damage:{name}"] += 1

        one()
        engine.dispose()


def run_all(examples: int) -> dict[str, Any]:
    """Every valid file corrupted ``examples`` times; the tally of outcomes and damages."""
    tally: Counter[str] = Counter()
    for entity, fmt, valid in FILES:
        run(entity, fmt, valid, examples, tally)
    outcomes = {k: v for k, v in sorted(tally.items()) if not k.startswith("damage:")}
    return {
        "examples": sum(outcomes.values()), "examples_per_file": examples,
        "files": [f"{fmt}:{entity}" for entity, fmt, _ in FILES], "outcomes": outcomes,
        "damages": {k[7:]: v for k, v in sorted(tally.items()) if k.startswith("damage:")},
        "properties": "all or nothing (row counts before/after), only ImportValidationError, "
                      "every error with file, row and column, in row order",
        "violations": 0,  # any violation fails the run with Hypothesis' minimal example
    }  # fmt: skip
