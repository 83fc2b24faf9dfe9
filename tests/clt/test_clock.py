"""clt.clock: the one place "today" comes from, and load_demo --as-of, which moves it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from clt import clock

NEW_YORK = ZoneInfo("America/New_York")


def test_today_is_the_trusts_local_date_not_utcs(time_machine):
    # 11:30 p.m. on New Year's Eve in Burlington is already 4:30 a.m. on 1 January in UTC: a fee due
    # on the 1st is not due yet.
    time_machine.move_to(dt.datetime(2026, 12, 31, 23, 30, tzinfo=NEW_YORK), tick=False)
    assert clock.now() == dt.datetime(2027, 1, 1, 4, 30, tzinfo=dt.UTC)
    assert clock.today() == dt.date(2026, 12, 31)


def test_fixed_at_a_day_is_noon_there_and_ends_with_the_block(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 0, tzinfo=NEW_YORK), tick=False)
    with clock.fixed_at(dt.date(2028, 2, 29)) as moment:
        assert moment == dt.datetime(2028, 2, 29, 12, 0, tzinfo=NEW_YORK)
        assert (clock.now(), clock.today()) == (moment, dt.date(2028, 2, 29))
        with clock.fixed_at(dt.datetime(2027, 3, 1, 8, 15, tzinfo=NEW_YORK)):
            assert clock.today() == dt.date(2027, 3, 1)
        assert clock.today() == dt.date(2028, 2, 29)
    assert clock.today() == dt.date(2026, 12, 7)


@pytest.mark.today("2028-02-29")
def test_the_today_mark_moves_the_clock_for_one_test():
    assert clock.today() == dt.date(2028, 2, 29)


@pytest.mark.parametrize("raw", ["2027-02-29", "tomorrow", "07/12/2026"])
def test_load_demo_refuses_a_day_that_is_not_a_date(raw):
    with pytest.raises(CommandError, match=f"argument --as-of: “{raw}” is not a date"):
        call_command("load_demo", "--as-of", raw)
