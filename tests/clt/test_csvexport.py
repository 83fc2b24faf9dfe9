"""The one CSV writer (clt.csvexport) and the download made of it (clt.csvresponse): exact bytes, formula
cells, safe file names, and rows read only as the file goes out."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.http import HttpResponse, StreamingHttpResponse

from clt.csvexport import PIECE_SIZE, csv_lines, guard_formula
from clt.csvresponse import csv_response, safe_filename


def text(rows, **options) -> str:
    return "".join(csv_lines(rows, **options))


# --- Bytes ------------------------------------------------------------------------------------------------


def test_fields_are_quoted_only_when_they_must_be_and_lines_end_in_crlf():
    rows = [
        ["2 Maple St, Unit B", 'The "Cedar" program', "first line\nsecond line", "plain"],
        [7, None, Decimal("163500.00"), dt.date(2026, 6, 30)],
    ]
    assert text(rows, header=["address", "program", "notes", "other"]) == (
        "address,program,notes,other\r\n"
        '"2 Maple St, Unit B","The ""Cedar"" program","first line\nsecond line",plain\r\n'
        "7,,163500.00,2026-06-30\r\n"
    )


def test_what_is_written_reads_back_the_same():
    rows = [["a,b", 'say "hi"', "x\r\ny", "", "Zoë Ngô", "=1+2"]]
    assert list(csv.reader(io.StringIO(text(rows, guard_formulas=False), newline=""))) == rows


def test_a_header_alone_and_nothing_at_all():
    assert text([], header=["apn", "wkt"]) == "apn,wkt\r\n"
    assert list(csv_lines([])) == []


# --- Formula cells ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://example.com","Ana")', '\'=HYPERLINK("http://example.com","Ana")'),
        ("+1 802 555 0100", "'+1 802 555 0100"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+2", "'\t=1+2"),
        ("-", "'-"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_gets_a_quote_in_front(cell, written):
    assert guard_formula(cell) == written


@pytest.mark.parametrize(
    "cell",
    ["-1250.00", "+3", "-0.5", "-.5", "-1E+2", "2026-06-30", "1.3947", "", "a=b", "— none", "Ana Test"],
)
def test_numbers_dates_and_ordinary_text_are_left_as_they_are(cell):
    assert guard_formula(cell) == cell


@pytest.mark.parametrize("value", [None, -3, Decimal("-1250.00"), -0.25, True])
def test_values_that_are_not_text_are_left_to_the_writer(value):
    assert guard_formula(value) is value


def test_the_guard_is_on_unless_a_file_must_round_trip():
    rows = [["=1+2", "-46500.00", dt.date(2026, 6, 30)]]
    assert text(rows) == "'=1+2,-46500.00,2026-06-30\r\n"
    assert text(rows, guard_formulas=False) == "=1+2,-46500.00,2026-06-30\r\n"


# --- Streaming --------------------------------------------------------------------------------------------


class Counted:
    """Rows made one at a time, counting how many have been taken."""

    def __init__(self, count: int, width: int = 10) -> None:
        self.count, self.width, self.taken = count, width, 0

    def __iter__(self) -> Iterator[list[str]]:
        for index in range(self.count):
            self.taken += 1
            yield [str(index), "x" * self.width]


def test_rows_are_read_only_as_pieces_are_taken():
    rows = Counted(1000, width=100)
    pieces = csv_lines(rows, header=["n", "x"], piece_size=1000)
    assert rows.taken == 0
    first = next(pieces)
    assert 0 < rows.taken < 20 and first.startswith("n,x\r\n0,") and first.endswith("\r\n")
    rest = list(pieces)
    assert rows.taken == 1000 and len(rest) > 50
    assert "".join([first, *rest]).count("\r\n") == 1001


def test_small_rows_go_out_together_and_a_huge_row_on_its_own():
    assert len(list(csv_lines(Counted(100)))) == 1
    pieces = list(csv_lines(Counted(3, width=PIECE_SIZE)))
    assert len(pieces) == 3 and all(p.count("\r\n") == 1 for p in pieces)


# --- File names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("members-2026-03-01.csv", "members-2026-03-01.csv"),
        ("impact-2022-01-01-2022-12-31-programs.csv", "impact-2022-01-01-2022-12-31-programs.csv"),
        ("../../etc/passwd", "etc-passwd.csv"),
        ("C:\\Users\\staff\\report.csv", "C-Users-staff-report.csv"),
        ('a"; filename="evil.exe', "a-filename-evil.exe.csv"),
        ("header\r\nSet-Cookie: x=1.csv", "header-Set-Cookie-x-1.csv"),
        ("Élection 2026 : résultats.csv", "Election-2026-resultats.csv"),
        ("REPORT.CSV", "REPORT.csv"),
        (".hidden", "hidden.csv"),
        ("", "export.csv"),
        ("日本語.csv", "export.csv"),
    ],
)
def test_a_file_name_keeps_only_safe_characters(name, safe):
    assert safe_filename(name) == safe


def test_a_long_file_name_is_cut():
    assert safe_filename("a" * 500 + ".csv") == "a" * 120 + ".csv"


# --- The download -----------------------------------------------------------------------------------------


def test_the_download_is_streamed_utf8_with_a_safe_name():
    rows = Counted(3)
    response = csv_response(rows, header=["n", "name"], filename="Zoë's members/2026.csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="Zoe-s-members-2026.csv"'
    assert rows.taken == 0  # read while the response is sent, not before
    body = b"".join(response.streaming_content)
    assert body == b"n,name\r\n0,xxxxxxxxxx\r\n1,xxxxxxxxxx\r\n2,xxxxxxxxxx\r\n"


def test_a_download_not_streamed_has_the_same_bytes():
    rows = [["Zoë Ngô", "=1+2", "-5.00"]]
    response = csv_response(rows, header=["name", "note", "balance"], filename="members.csv", streaming=False)
    assert isinstance(response, HttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="members.csv"'
    assert response.content == "name,note,balance\r\nZoë Ngô,'=1+2,-5.00\r\n".encode()


def test_a_report_cell_is_empty_for_none_iso_for_a_date_and_keeps_a_decimals_places():
    import datetime as dt
    from decimal import Decimal

    from clt.csvexport import cell_text

    assert cell_text(None) == ""
    assert cell_text(dt.date(2026, 12, 7)) == "2026-12-07"
    assert cell_text(Decimal("157000.00")) == "157000.00"
    assert cell_text(0) == "0"
