"""The shared calendar arithmetic (clt.dates), on the days where the easy version goes wrong."""

import datetime as dt

import pytest

from clt.dates import add_months, add_years, month_bounds, month_end, month_start

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2024, 12, 15), 1, D(2025, 1, 15)),
        (D(2025, 1, 15), -1, D(2024, 12, 15)),
        (D(2020, 5, 31), -120, D(2010, 5, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_add_years():
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert add_years(D(2026, 12, 7), 99) == D(2125, 12, 7)  # a ground lease's term
    assert add_years(D(2026, 12, 7), -3) == D(2023, 12, 7)


def test_months():
    assert month_start(D(2026, 12, 7)) == D(2026, 12, 1)
    assert month_start(D(2026, 12, 7), 1) == D(2027, 1, 1)
    assert month_start(D(2026, 1, 7), -13) == D(2024, 12, 1)
    assert month_end(D(2028, 2, 3)) == D(2028, 2, 29)
    assert month_bounds(2027, 2) == (D(2027, 2, 1), D(2027, 2, 28))
