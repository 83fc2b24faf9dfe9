"""The pure roster rules (``governance/board.py``): worked cases, no database."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from governance.board import rules as b

D = dt.date
AGM = D(2024, 6, 15)


def rule(key: str, **kw) -> b.SeatRule:
    return b.SeatRule(key=key, name=key.title(), **kw)


def term(key, cls, person, start, end, ended=None, basis="elected", replaces=None) -> b.TermFact:
    return b.TermFact(
        key=key,
        class_key=cls,
        person_key=person,
        starts_on=start,
        ends_on=end,
        ended_on=ended,
        basis=basis,
        person_name=f"P{person}",
        replaces=replaces,
    )


# --- Staggering -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "groups", "expected"),
    [(3, 3, [1, 2, 3]), (2, 2, [1, 2]), (4, 2, [2, 4]), (3, 2, [2, 3]), (3, 1, [3])],
)
def test_initial_term_years_spread_the_founding_board(years, groups, expected):
    assert [b.initial_term_years(years, groups, g) for g in range(1, groups + 1)] == expected


def test_initial_term_years_refuses_a_group_outside_the_range():
    with pytest.raises(ValueError):
        b.initial_term_years(3, 3, 4)


def test_founding_terms_deal_groups_in_turn_so_one_seat_a_year_comes_up():
    # CHT-like class of 3 seats, 3-year terms in 3 groups, founded at the 2024 annual meeting.
    assert b.founding_terms(3, 3, 3, AGM) == [(1, D(2025, 6, 15)), (2, D(2026, 6, 15)), (3, D(2027, 6, 15))]
    # Five seats: groups 1, 2, 3, 1, 2.
    assert [g for g, _ in b.founding_terms(5, 3, 3, AGM)] == [1, 2, 3, 1, 2]


def test_add_years_on_29_february():
    assert b.add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert b.add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)


# --- Vacancies ------------------------------------------------------------------------------------


def test_vacancy_filler_serves_the_rest_of_the_term():
    end = b.vacancy_end("remainder_of_term", vacated_ends_on=D(2026, 6, 15), starts_on=D(2024, 11, 1))
    assert end == D(2026, 6, 15)


def test_vacancy_filler_serves_until_the_next_annual_meeting_never_past_the_term():
    kw = {"vacated_ends_on": D(2026, 6, 15), "starts_on": D(2024, 11, 1)}
    assert b.vacancy_end("until_next_annual_meeting", next_annual_meeting=D(2025, 6, 14), **kw) == D(2025, 6, 14)
    assert b.vacancy_end("until_next_annual_meeting", next_annual_meeting=D(2027, 6, 12), **kw) == D(2026, 6, 15)
    with pytest.raises(ValueError, match="next_annual_meeting"):
        b.vacancy_end("until_next_annual_meeting", **kw)
    with pytest.raises(ValueError, match="next_annual_meeting"):
        b.vacancy_end("until_next_annual_meeting", next_annual_meeting=D(2024, 10, 1), **kw)
    with pytest.raises(ValueError, match="starts_on"):
        b.vacancy_end("remainder_of_term", vacated_ends_on=D(2026, 6, 15), starts_on=D(2026, 6, 15))


# --- Roster ---------------------------------------------------------------------------------------

CHT = [rule("leaseholder", seats=3), rule("general", seats=3), rule("public", seats=3)]


def cht_terms(vacancy: bool = False) -> list[b.TermFact]:
    terms, key = [], 0
    for cls in ("leaseholder", "general", "public"):
        for group in (1, 2, 3):
            key += 1
            ended = D(2024, 9, 1) if vacancy and cls == "leaseholder" and group == 2 else None
            terms.append(term(key, cls, key, AGM, b.add_years(AGM, group), ended=ended))
    return terms


def test_full_board_in_thirds_has_no_warnings():
    roster = b.roster_on(CHT, cht_terms(), D(2024, 7, 1))
    assert roster.board_size == 9 and roster.sitting == 9
    assert [c.holder_count for c in roster.classes] == [3, 3, 3]
    assert [c.vacancies for c in roster.classes] == [0, 0, 0]
    assert all(c.share == Fraction(1, 3) == c.intended_share for c in roster.classes)
    assert roster.warnings == ()
    # Holders sorted by term end: the group-1 seat (ends 2025) first.
    assert [t.ends_on for t in roster.classes[0].holders] == [D(2025, 6, 15), D(2026, 6, 15), D(2027, 6, 15)]


def test_a_resignation_leaves_a_vacancy_and_tips_the_shares():
    roster = b.roster_on(CHT, cht_terms(vacancy=True), D(2024, 10, 1))
    lease = roster.classes[0]
    assert lease.holder_count == 2 and lease.vacancies == 1
    assert [t.key for t in lease.vacated] == [2]
    assert roster.sitting == 8
    # 2 of 8 sitting (25 %) against 3 of 9 (33.3 %); the others 3 of 8 (37.5 %).
    off = {n.class_key: n for n in roster.warnings if n.code == b.OFF_SHARE}
    assert set(off) == {"leaseholder", "general", "public"}
    assert off["leaseholder"].get("share") == Fraction(1, 4)
    assert off["general"].get("share") == Fraction(3, 8)
    assert off["general"].get("intended") == Fraction(1, 3)
    # The day before the resignation the board was whole.
    assert b.roster_on(CHT, cht_terms(vacancy=True), D(2024, 8, 31)).warnings == ()


def test_a_filled_vacancy_is_no_longer_listed_as_vacated():
    terms = [*cht_terms(vacancy=True), term(99, "leaseholder", 50, D(2024, 10, 1), D(2025, 6, 14), replaces=2)]
    roster = b.roster_on(CHT, terms, D(2024, 11, 1))
    assert roster.classes[0].vacated == () and roster.classes[0].vacancies == 0
    assert roster.warnings == ()


def test_a_term_is_in_force_up_to_but_not_on_its_end_date():
    t = term(1, "public", 1, AGM, D(2027, 6, 15))
    assert b.in_force(t, D(2027, 6, 14))
    assert not b.in_force(t, D(2027, 6, 15))
    assert not b.in_force(t, D(2024, 6, 14))


def test_floor_and_cap_classes_land_in_common():
    # Two classes, each at least 2 seats and at most 60 % of the board.
    rules = [
        rule("resident", min_seats=2, max_share=Fraction(3, 5)),
        rule("associate", min_seats=2, max_share=Fraction(3, 5)),
    ]
    terms = [term(i, "resident", i, AGM, D(2027, 6, 15)) for i in range(1, 5)]
    terms.append(term(5, "associate", 5, AGM, D(2027, 6, 15)))
    roster = b.roster_on(rules, terms, D(2025, 1, 1))
    # Board: 4 residents + the associate floor of 2 = 6 seats; 60 % of 6 = 3.6, so the cap is 3.
    assert roster.board_size == 6
    resident, associate = roster.classes
    assert resident.cap == 3 and associate.cap == 3
    assert associate.vacancies == 1
    codes = {(n.code, n.class_key) for n in roster.warnings}
    assert codes == {(b.OVER_CAP, "resident"), (b.UNDER_FLOOR, "associate")}
    # Floor-and-cap boards have no fixed thirds to compare shares with.
    assert resident.intended_share is None


def test_a_fixed_board_size_resolves_the_cap():
    rules = [rule("resident", min_seats=2, max_share=Fraction(3, 5))]
    terms = [term(i, "resident", i, AGM, D(2027, 6, 15)) for i in range(1, 4)]
    assert b.roster_on(rules, terms, D(2025, 1, 1), board_size=5).classes[0].cap == 3
    assert b.roster_on(rules, terms, D(2025, 1, 1), board_size=4).warnings[0].code == b.OVER_CAP


def test_more_holders_than_seats_is_warned():
    terms = [term(i, "public", i, AGM, D(2027, 6, 15)) for i in range(1, 5)]
    roster = b.roster_on([rule("public", seats=3)], terms, D(2025, 1, 1))
    assert roster.classes[0].vacancies == 0
    assert [n.code for n in roster.warnings] == [b.OVER_SEATS]


def test_max_concurrent_counts_the_busiest_day():
    terms = [
        term(1, "x", 1, D(2024, 1, 1), D(2025, 1, 1)),
        term(2, "x", 2, D(2024, 6, 1), D(2026, 1, 1)),
        term(3, "x", 3, D(2025, 1, 1), D(2026, 1, 1)),
    ]
    assert b.max_concurrent(terms, D(2024, 1, 1), D(2024, 3, 1)) == 1
    assert b.max_concurrent(terms, D(2024, 1, 1), D(2026, 1, 1)) == 2  # 1 ends as 3 starts
    assert b.max_concurrent(terms, D(2026, 1, 1), D(2027, 1, 1)) == 0


# --- Term limits and breaks -----------------------------------------------------------------------

LIMITED = rule("general", seats=3, term_limit_consecutive=2, break_years=1)


def two_terms() -> list[b.TermFact]:
    return [
        term(1, "general", 7, D(2018, 6, 9), D(2021, 6, 12)),
        term(2, "general", 7, D(2021, 6, 12), D(2024, 6, 15)),
    ]


def test_two_consecutive_terms_then_a_year_off():
    notices = b.standing_check(LIMITED, two_terms(), AGM, D(2027, 6, 15))
    assert [n.code for n in notices] == [b.BREAK_NEEDED]
    assert notices[0].get("served") == 2
    assert notices[0].get("free_from") == D(2025, 6, 15)
    # After a year off, they may stand again.
    assert b.standing_check(LIMITED, two_terms(), D(2025, 6, 15), D(2028, 6, 15)) == []


def test_a_gap_shorter_than_the_break_does_not_reset_the_run():
    past = [
        term(1, "general", 7, D(2018, 6, 9), D(2021, 6, 12)),
        term(2, "general", 7, D(2021, 9, 1), D(2024, 6, 15)),  # a 3-month gap
    ]
    assert b.standing_check(LIMITED, past, AGM, D(2027, 6, 15))[0].get("served") == 2
    two_year_break = rule("general", seats=3, term_limit_consecutive=2, break_years=2)
    notice = b.standing_check(two_year_break, two_terms(), D(2025, 6, 15), D(2028, 6, 15))[0]
    assert notice.get("free_from") == D(2026, 6, 15)


def test_a_vacancy_term_does_not_use_up_a_term():
    past = [
        term(1, "general", 7, D(2020, 11, 1), D(2021, 6, 12), basis="vacancy"),
        term(2, "general", 7, D(2021, 6, 12), D(2024, 6, 15)),
    ]
    assert b.standing_check(LIMITED, past, AGM, D(2027, 6, 15)) == []


def test_term_limit_without_a_break_setting_still_needs_a_year():
    no_break = rule("general", seats=3, term_limit_consecutive=2)
    notice = b.standing_check(no_break, two_terms(), AGM, D(2027, 6, 15))[0]
    assert notice.code == b.TERM_LIMIT and notice.get("free_from") == D(2025, 6, 15)


def test_terms_in_other_classes_count_towards_the_limit_and_overlap():
    past = [
        term(1, "public", 7, D(2018, 6, 9), D(2021, 6, 12)),
        term(2, "leaseholder", 7, D(2021, 6, 12), D(2024, 6, 15)),
    ]
    assert b.standing_check(LIMITED, past, AGM, D(2027, 6, 15))[0].get("served") == 2
    sitting = [term(3, "public", 7, D(2023, 6, 10), D(2026, 6, 13))]
    notices = b.standing_check(rule("general", seats=3), sitting, AGM, D(2027, 6, 15))
    assert [n.code for n in notices] == [b.OVERLAP]
    # An early end frees the person: resigned the day before.
    resigned = [term(3, "public", 7, D(2023, 6, 10), D(2026, 6, 13), ended=AGM)]
    assert b.standing_check(rule("general", seats=3), resigned, AGM, D(2027, 6, 15)) == []
