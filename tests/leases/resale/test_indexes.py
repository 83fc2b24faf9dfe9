"""Published index series: import (all or nothing), the value in effect on a date, gaps as errors."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from leases.resale import selectors as resale_selectors
from leases.resale.models import IndexSeries, IndexValue

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[3] / "leases" / "data"
D = dt.date
BURLINGTON = "burlington-south-burlington-vt-msa"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_index", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def cpi():
    run(str(DATA / "cpi_u.csv"))


@pytest.fixture
def hud():
    run(str(DATA / "hud_ami.csv"), "--hud")


def test_cpi_file_becomes_a_monthly_and_an_annual_series(cpi):
    assert IndexValue.objects.filter(series__code="cpi-u").count() == 436  # 1990-01 … 2026-05, less 2025-10
    assert IndexValue.objects.filter(series__code="cpi-u-annual").count() == 35  # 1990 … 2024
    # Re-importing the same file changes nothing.
    assert "cpi-u: 0 new, 0 updated, 436 unchanged" in run(str(DATA / "cpi_u.csv"))


def test_cpi_values_in_effect_match_the_bls_releases(cpi):
    found = resale_selectors.index_value_in_effect("cpi-u", D(2025, 9, 30))
    assert (found.value, found.effective_from) == (Decimal("324.8"), D(2025, 9, 1))
    assert resale_selectors.index_value_in_effect("cpi-u", D(2025, 8, 1)).value == Decimal("323.976")
    assert resale_selectors.index_value_in_effect("cpi-u-annual", D(2024, 12, 31)).value == Decimal("313.689")


def test_a_gap_in_the_series_is_an_error_not_a_stale_value(cpi):
    # BLS published no October 2025 CPI-U (the lapse in appropriations).
    with pytest.raises(ValidationError) as error:
        resale_selectors.index_value_in_effect("cpi-u", D(2025, 10, 20))
    assert "the latest, from Sept. 1, 2025, is more than 31 days old" in error.value.message_dict["series"][0]
    with pytest.raises(ValidationError, match=r"its first value is from Jan\. 1, 1990"):
        resale_selectors.index_value_in_effect("cpi-u", D(1989, 12, 31))
    with pytest.raises(ValidationError, match="No index series"):
        resale_selectors.index_value_in_effect("cpi-w", D(2020, 1, 1))


def test_hud_limits_by_area_year_and_household_size(hud):
    assert IndexSeries.objects.filter(code__startswith="hud-").count() == 8  # 4 areas, 2 series each
    # FY2024 applies from 1 April 2024: before that, FY2023's figures.
    assert resale_selectors.index_value_in_effect(f"hud-mfi-{BURLINGTON}", D(2024, 3, 31)).value == Decimal("115700")
    assert resale_selectors.index_value_in_effect(f"hud-mfi-{BURLINGTON}", D(2024, 4, 1)).value == Decimal("118900")
    limit = resale_selectors.index_value_in_effect(f"hud-li80-{BURLINGTON}", D(2024, 6, 1), household_size=3)
    assert (limit.value, limit.effective_from) == (Decimal("85600"), D(2024, 4, 1))
    with pytest.raises(ValidationError, match="is empty"):
        resale_selectors.index_value_in_effect(f"hud-li80-{BURLINGTON}", D(2024, 6, 1))  # the limits need a size


def test_a_bad_file_imports_nothing_and_names_every_bad_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("period,value\n2024-01,300.1\n2024-13,301\n2024-03,abc\n2024-04,-5\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        run(str(path), "--series", "test-index")
    message = str(error.value)
    assert "line 3: period “2024-13” is not YYYY or YYYY-MM" in message
    assert "line 4: “abc” is not a number" in message
    assert "line 5: the value must be a positive number" in message
    assert not IndexValue.objects.exists() and not IndexSeries.objects.exists()


def test_a_correction_updates_the_value_with_history(cpi, tmp_path):
    path = tmp_path / "fix.csv"
    path.write_text("period,value\n2025-09,324.9\n", encoding="utf-8")
    assert "cpi-u: 0 new, 1 updated, 0 unchanged" in run(str(path), "--reason", "BLS revision")
    value = IndexValue.objects.get(series__code="cpi-u", period="2025-09")
    assert value.value == Decimal("324.9")
    assert value.history.first().history_change_reason == "BLS revision"


def test_hud_effective_dates_may_be_given(tmp_path):
    header = "area,year,median_family_income," + ",".join(f"li80_hh{n}" for n in range(1, 9)) + ",effective_from"
    path = tmp_path / "hud.csv"
    path.write_text(header + "\nTown,2023,100000,1,2,3,4,5,6,7,8,2023-05-15\n", encoding="utf-8")
    run(str(path), "--hud")
    assert IndexValue.objects.get(series__code="hud-mfi-town").effective_from == D(2023, 5, 15)


def failure(path: Path, *args: str) -> str:
    with pytest.raises(CommandError) as error:
        run(str(path), *args)
    return str(error.value)


def test_nan_and_infinity_are_refused_with_the_line(tmp_path):
    path = tmp_path / "nan.csv"
    path.write_text("period,value\n2024-01,300.1\n2024-02,NaN\n2024-03,inf\n2024-04,-Infinity\n", encoding="utf-8")
    message = failure(path, "--series", "test-index")
    assert message.splitlines() == [
        f"{path}: nothing imported.",
        "  file: line 3: “NaN” is not a finite number",
        "  file: line 4: “inf” is not a finite number",
        "  file: line 5: “-Infinity” is not a finite number",
    ]
    hud = tmp_path / "hud.csv"
    header = "area,year,median_family_income," + ",".join(f"li80_hh{n}" for n in range(1, 9))
    hud.write_text(header + "\nTown,2023,NaN,1,2,3,4,5,6,7,sNaN\n", encoding="utf-8")
    assert failure(hud, "--hud").splitlines()[1:] == [
        "  file: line 2: “NaN” is not a finite number",
        "  file: line 2: “sNaN” is not a finite number",
    ]
    assert not IndexValue.objects.exists() and not IndexSeries.objects.exists()


def test_a_binary_file_is_refused_with_a_reason(tmp_path):
    png = tmp_path / "chart.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    assert failure(png).splitlines()[1] == "  file: line 1: not UTF-8 text; is this a CSV file?"
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"period,value\n2024-01,300\n2024-02,3\x0001\n")
    assert failure(nul).splitlines()[1] == "  file: line 3: a NUL byte; this is a binary file, not CSV."
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"period,value\n2024-01,300\n2024-02,3\r01\n")
    assert failure(broken).splitlines()[1].startswith("  file: line 3: not readable as CSV (new-line character")
    assert not IndexValue.objects.exists() and not IndexSeries.objects.exists()


def test_a_gap_inside_a_series_is_refused_listing_the_missing_periods(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text(
        "period,value\n2020,250\n2022,260\n2024-01,300\n2024-02,301\n2024-05,302\n2024-07,303\n", encoding="utf-8"
    )
    assert failure(path, "--series", "test-index").splitlines()[1:] == [
        "  rows: the series would have a gap: no value for 2024-03 to 2024-04, 2024-06. "
        "A period the publisher did not publish is written with the value “-”."
    ]
    assert not IndexSeries.objects.exists()
    # Annual averages are a series of their own, with the same rule.
    path.write_text("period,value\n2020,250\n2022,260\n", encoding="utf-8")
    assert "no value for 2021." in failure(path, "--series", "test-index")
    assert not IndexSeries.objects.exists()


def test_a_month_marked_unpublished_is_no_gap_and_stores_nothing(tmp_path):
    path = tmp_path / "marked.csv"
    path.write_text("period,value\n2025-08,323.976\n2025-09,324.8\n2025-10,-\n2025-11,324.122\n", encoding="utf-8")
    assert "test-index: 3 new, 0 updated, 0 unchanged" in run(str(path), "--series", "test-index")
    assert list(IndexValue.objects.order_by("period").values_list("period", flat=True)) == [
        "2025-08",
        "2025-09",
        "2025-11",
    ]


def test_a_file_that_leaves_a_gap_after_the_stored_series_is_refused(cpi, tmp_path):
    # The stored series ends at 2026-05 (and lacks 2025-10, marked “-” in its file: not a new gap).
    path = tmp_path / "later.csv"
    path.write_text("period,value\n2026-08,340.1\n", encoding="utf-8")
    assert "no value for 2026-06 to 2026-07." in failure(path)
    assert not IndexValue.objects.filter(period="2026-08").exists()
    path.write_text("period,value\n2026-06,336.0\n", encoding="utf-8")
    assert "cpi-u: 1 new, 0 updated, 0 unchanged" in run(str(path))


def test_hud_years_without_a_gap(tmp_path):
    header = "area,year,median_family_income," + ",".join(f"li80_hh{n}" for n in range(1, 9))
    path = tmp_path / "hud.csv"
    row = ",1,2,3,4,5,6,7,8"
    path.write_text(f"{header}\nTown,2021,90000{row}\nTown,2023,100000{row}\n", encoding="utf-8")
    assert "no value for 2022." in failure(path, "--hud")
    assert not IndexSeries.objects.exists()
