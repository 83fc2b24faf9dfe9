"""``clt.charts``: the shared chart geometry, worked by hand on the figures the pages draw. No database."""

import datetime as dt
from decimal import Decimal

from clt import charts

D = dt.date


# --- Scales ------------------------------------------------------------------------------------------------


def test_a_scale_maps_its_ends_onto_its_pixels_upwards_for_a_y_axis():
    # The resale page's value axis: $0 at the bottom (236), $400,000 at the top (14), 222 units between.
    y = charts.Scale(Decimal(0), Decimal(400000), 236, 14)
    assert (y(Decimal(0)), y(Decimal(400000))) == (236.0, 14.0)
    assert y(Decimal(163500)) == 145.3  # 236 − 222 × 163,500 ÷ 400,000 = 145.2575
    assert y.length(Decimal(100000)) == 55.5


def test_a_time_scale_places_dates_by_their_day():
    x = charts.Scale(D(2020, 1, 1), D(2026, 6, 30), 64, 460)
    assert (x(D(2020, 1, 1)), x(D(2026, 6, 30))) == (64.0, 460.0)
    assert x(D(2023, 4, 1)) == 262.0  # day 1,187 of 2,372: 64 + 396 × 1,187 ÷ 2,372 = 262.17


def test_a_scale_across_zero_puts_the_zero_line_between_its_ends():
    # The ledger: $30 owed at most, $25 in credit at most, 140 units from 162 (bottom) to 22 (top).
    y = charts.Scale(Decimal(-25), Decimal(30), 162, 22)
    assert y.zero == 98.4  # 22 + 140 × 30 ÷ 55
    assert round(y.length(Decimal(-25)), 2) == 63.64 and round(y.length(Decimal(30)), 2) == 76.36


def test_a_scale_with_one_value_puts_everything_at_its_start():
    y = charts.Scale(Decimal(0), Decimal(0), 162, 22)
    assert y.zero == 162.0 and y.length(Decimal(0)) == 0.0


# --- Ticks -------------------------------------------------------------------------------------------------


def test_nice_steps_ceilings_and_ticks():
    # 0–157,000: four steps of 39,250 would be awkward; 50,000 gives 0, 50k … 200k.
    step = charts.nice_step(Decimal(157000))
    assert step == 50000
    assert charts.nice_ceiling(Decimal(157000), step) == 200000
    assert charts.tick_values(Decimal(200000), step) == [0, 50000, 100000, 150000, 200000]
    # 0–38.60: steps of 10, up to 40.
    step = charts.nice_step(Decimal("38.60"))
    assert step == 10 and charts.nice_ceiling(Decimal("38.60"), step) == 40
    assert charts.tick_values(Decimal(40), step) == [0, 10, 20, 30, 40]
    # The resale page: the largest figure is 310,000, so steps of 100,000 up to 400,000.
    assert charts.nice_step(Decimal(310000)) == 100000
    assert charts.nice_step(Decimal(1)) == Decimal("0.25")
    assert charts.nice_step(Decimal(9)) == Decimal("2.5")
    assert charts.nice_step(Decimal(0)) == 1
    # A ceiling is at least one step, and a figure on a step stays on it.
    assert charts.nice_ceiling(Decimal(0), Decimal(20)) == 20
    assert charts.nice_ceiling(Decimal(80), Decimal(20)) == 80


def test_tick_format_writes_thousands_and_the_decimals_the_step_needs():
    thousands = charts.tick_format(Decimal(50000))
    assert (thousands.thousands, thousands.places, thousands.number(Decimal(150000))) == (True, 0, 150)
    assert charts.tick_format(Decimal(2500)) == charts.TickFormat(thousands=False, places=0)
    assert charts.tick_format(Decimal(10)) == charts.TickFormat(thousands=False, places=0)
    assert charts.tick_format(Decimal("2.5")).places == 1
    assert charts.tick_format(Decimal("0.25")).places == 2


def test_ticks_are_placed_by_the_scale_and_labelled_by_the_caller():
    y = charts.Scale(Decimal(0), Decimal(40), 256, 16)
    found = charts.ticks(y, charts.tick_values(Decimal(40), Decimal(10)), lambda v: f"{v} %")
    assert [t.at for t in found] == [256.0, 196.0, 136.0, 76.0, 16.0]
    assert [t.label for t in found] == ["0 %", "10 %", "20 %", "30 %", "40 %"]
    assert found[0].label_y == 261.0


def test_year_ticks_thin_out_to_at_most_eight():
    assert charts.year_ticks(D(2020, 1, 1), D(2026, 6, 30)) == [D(year, 1, 1) for year in range(2020, 2027)]
    assert charts.year_ticks(D(2019, 12, 1), D(2021, 2, 1)) == [D(2020, 1, 1), D(2021, 1, 1)]
    assert charts.year_ticks(D(1990, 6, 1), D(2026, 1, 1)) == [D(year, 1, 1) for year in range(1995, 2026, 5)]
    assert charts.year_ticks(D(2025, 2, 1), D(2025, 11, 30)) == []


# --- Bars --------------------------------------------------------------------------------------------------


def test_columns_stand_on_the_zero_line_and_credit_hangs_below():
    y = charts.Scale(Decimal(-25), Decimal(30), 162, 22)
    owed = charts.column(y, Decimal(30), x=66, width=36, text="$30")
    assert (owed.x, owed.y, owed.width, owed.height) == (66.0, 22.0, 36, 76.4)
    assert (owed.cx, owed.text_x, owed.text_y, owed.anchor) == (84.0, 84.0, 17.0, "middle")  # 5 above its top
    credit = charts.column(y, Decimal(-10), x=10, width=36)
    assert (credit.y, credit.height, credit.text_y) == (98.4, 25.5, 137.8)  # 14 under its end
    # A small figure still shows; nothing shows for nothing.
    assert charts.column(y, Decimal("0.01"), x=0, width=36).height == 1.0
    assert charts.column(y, Decimal(0), x=0, width=36).height == 0.0
    assert charts.column(y, Decimal("0.01"), x=0, width=36, min_length=0.5).height == 0.5


def test_row_bars_run_right_from_zero_and_negatives_left():
    x = charts.Scale(Decimal(0), Decimal(60000), 0, 270)
    retained = charts.row_bar(x, Decimal(46500), y=44, height=18, text="$46,500 retained")
    assert (retained.x, retained.y, retained.width, retained.height) == (0.0, 44.0, 209.2, 18)  # 270 × 0.775
    assert (retained.text_x, retained.text_y, retained.anchor) == (215.2, 58.0, "start")
    # From −1,000 to 3,000 over 280 units: zero at 70; −1,000 is 70 long to its left, its words right of zero.
    x = charts.Scale(Decimal(-1000), Decimal(3000), 0, 280)
    lost = charts.row_bar(x, Decimal(-1000), y=0, height=18)
    assert (lost.x, lost.width, lost.text_x) == (0.0, 70.0, 76.0)
    seats = charts.row_bar(charts.Scale(0, 3, 150, 450), 3, y=6, height=22, min_length=0, outline=True)
    assert (seats.x, seats.width, seats.outline) == (150.0, 300.0, True)
    assert charts.row_bar(charts.Scale(0, 3, 150, 450), 0, y=6, height=22, min_length=0).width == 0.0


def test_bar_groups_share_one_scale_under_their_headings():
    chart = charts.bar_groups(
        [
            ("Simple", (charts.Item(Decimal(60000), "$60,000 initial"), charts.Item(Decimal(46500)))),
            ("Shared", (charts.Item(Decimal(30000)), charts.Item(Decimal(-6000)))),
        ],
        width=420,
        plot=270,
        description="words",
    )
    # A group takes 22 for its heading, 18 + 4 a bar and 10 after: 76; two groups and 4 to spare.
    assert (chart.width, chart.height, chart.zero, chart.description) == (420, 156, 24.5, "words")
    first, second = chart.groups
    assert (first.label, first.label_y, second.label_y) == ("Simple", 15.0, 91.0)
    assert [b.y for b in first.bars] == [22.0, 44.0] and [b.y for b in second.bars] == [98.0, 120.0]
    # 66,000 across 270 units: 60,000 is 245.5 long from zero at 24.5; −6,000 ends at the left edge.
    assert (first.bars[0].x, first.bars[0].width, first.bars[0].text) == (24.5, 245.5, "$60,000 initial")
    assert (second.bars[1].x, second.bars[1].width) == (0.0, 24.5)


# --- Lines, points and slopes ------------------------------------------------------------------------------


def test_a_line_breaks_where_a_figure_is_missing():
    assert charts.line_segments([(64.0, 153.0), (70.5, 150.2), None, (80.0, 149.0)]) == [
        "64.0,153.0 70.5,150.2",
        "80.0,149.0",
    ]
    assert charts.line_segments([None, None]) == []


def test_slopes_colour_the_rising_ones_and_keep_a_lone_end():
    y = charts.Scale(Decimal(0), Decimal(100), 256, 16)
    drawn = charts.slopes(
        [(Decimal("60.7"), Decimal("49.6")), (Decimal(40), Decimal(70)), (None, Decimal(30)), (None, None)],
        y,
        rising="orange",
        other="blue",
    )
    assert [(s.y1, s.y2, s.colour) for s in drawn] == [
        (110.3, 137.0, "blue"),  # 256 − 240 × 0.607 = 110.32; 256 − 240 × 0.496 = 136.96
        (160.0, 88.0, "orange"),
        (None, 184.0, "blue"),
    ]
    chart = charts.SlopeChart(
        width=480, height=310, x1=126.0, x2=346.0, top=16.0, bottom=256.0, y_ticks=(), slopes=tuple(drawn)
    )
    assert (chart.left, chart.right, chart.tick_x, chart.reference_x) == (76.0, 396.0, 70.0, 400.0)
    assert (chart.label_y, chart.summary_y) == (278.0, 297.0)


def test_a_line_chart_labels_its_ticks_left_of_the_plot():
    chart = charts.LineChart(width=480, height=270, left=64, right=460, top=14, bottom=236)
    assert chart.tick_x == 58 and chart.segments == [] and chart.dots == []


# --- The text alternative ----------------------------------------------------------------------------------


def test_the_description_reads_each_item_then_closes_the_sentence():
    items = [("October 2026", "$10.00 in credit"), ("November 2026", "$30.00 owed")]
    assert charts.describe(items) == "October 2026: $10.00 in credit; November 2026: $30.00 owed."
    assert (
        charts.describe(items[:1], before="Balance by month:", after="The table gives every figure.")
        == "Balance by month: October 2026: $10.00 in credit. The table gives every figure."
    )
    assert charts.describe([], before="You paid $150,000.00.") == "You paid $150,000.00."
    assert charts.describe([]) == ""


def test_shares_add_up_to_100_by_largest_remainder():
    from decimal import Decimal

    from clt.charts import shares

    assert shares([3, 2, 2]) == [Decimal("42.8"), Decimal("28.6"), Decimal("28.6")]  # 42.857, 28.571, 28.571
    assert sum(shares([3, 2, 2])) == 100
    assert shares([1, 1, 1]) == [Decimal("33.4"), Decimal("33.3"), Decimal("33.3")]
    assert shares([1, 1, 1], places=0) == [Decimal("34"), Decimal("33"), Decimal("33")]
    assert shares([5, 0]) == [Decimal("100.0"), Decimal("0.0")]
    assert shares([0, 0]) == [Decimal("0.0"), Decimal("0.0")]
    assert shares([]) == []
    for parts in ([7, 5, 3, 1], [1, 2, 3, 4, 5, 6], [99, 1, 1]):
        assert sum(shares(parts)) == 100
