"""The pure co-op rule: who a housing co-op's lease makes leaseholder members, under each setting."""

from __future__ import annotations

import datetime as dt

from governance.membership import eligibility as el

D = dt.date
RECORD = D(2026, 3, 1)
LISTS = [
    el.CoopList(1, 7, D(2025, 3, 1), (el.CoopEntry(100, 10, True), el.CoopEntry(101, 11))),
    el.CoopList(
        2,
        7,
        D(2026, 2, 1),
        (el.CoopEntry(100, 10, True), el.CoopEntry(102, 10), el.CoopEntry(103, 12), el.CoopEntry(104, None, True)),
    ),
    el.CoopList(3, 7, D(2026, 4, 1), (el.CoopEntry(105, 13),)),
]


def test_the_list_in_force_is_the_last_certified_on_or_before_the_date():
    assert el.coop_list_in_force(LISTS, 7, RECORD).list_id == 2
    assert el.coop_list_in_force(LISTS, 7, D(2025, 12, 31)).list_id == 1
    assert el.coop_list_in_force(LISTS, 7, D(2025, 1, 1)) is None
    assert el.coop_list_in_force(LISTS, 8, RECORD) is None


def test_none_gives_no_members():
    assert el.coop_decisions(el.COOP_NONE, {7: 55}, LISTS, RECORD) == {}


def test_households_vote_once_each_by_their_first_listed_person():
    decided = el.coop_decisions(el.COOP_HOUSEHOLDS, {7: 55}, LISTS, RECORD)
    # 102 shares household 10 with 100: the household has one vote, 100's; 104 has no household: their own.
    assert {pid: d.vote_unit_key for pid, d in decided.items()} == {
        100: "household:10",
        103: "household:12",
        104: "person:104",
    }
    assert all(d.member_class == el.LESSEE and d.votes and d.lease_id == 55 for d in decided.values())
    assert el.coop_votes(decided, 55) == 3


def test_delegates_vote_one_each():
    decided = el.coop_decisions(el.COOP_DELEGATES, {7: 55}, LISTS, RECORD)
    assert {pid: d.vote_unit_key for pid, d in decided.items()} == {100: "person:100", 104: "person:104"}
    assert el.coop_votes(decided, 55) == 2


def test_a_coop_without_a_lease_in_force_or_a_list_carries_nothing():
    assert el.coop_decisions(el.COOP_HOUSEHOLDS, {}, LISTS, RECORD) == {}
    assert el.coop_decisions(el.COOP_HOUSEHOLDS, {7: 55}, LISTS, D(2024, 1, 1)) == {}


def test_a_lessee_by_their_own_lease_keeps_it_anyone_else_becomes_one():
    own = el.Decision(el.LESSEE, True, "person:100", lease_id=9)
    general = el.Decision(el.GENERAL, False, "person:103", (el.Reason(el.DUES_NOT_CURRENT),), dues_current=False)
    coop = el.coop_decisions(el.COOP_HOUSEHOLDS, {7: 55}, LISTS, RECORD)
    merged = el.with_coop({100: own, 103: general}, coop)
    assert merged[100] is own
    assert merged[103].member_class == el.LESSEE and merged[103].votes and merged[103].lease_id == 55
    assert merged[104].vote_unit_key == "person:104"
