"""The pure quorum and threshold rules (R9, R13): worked examples, exact boundaries, no database."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from governance.meetings.quorum import QuorumRules, passes, quorum_status, votes_needed
from tests.datafiles import PROJECT_ROOT as ROOT


def percent(value: str, **kw) -> QuorumRules:
    return QuorumRules(basis="percent", percent=Decimal(value), **kw)


def test_ten_percent_of_95_needs_10_not_9():
    rules = percent("10")
    status = quorum_status(rules, voting_members={"lessee": 40, "general": 55}, present={"lessee": 9}, proxies={})
    assert (status.eligible, status.required, status.counted, status.met) == (95, 10, 9, False)
    status = quorum_status(rules, voting_members={"lessee": 40, "general": 55}, present={"lessee": 10}, proxies={})
    assert (status.required, status.counted, status.met) == (10, 10, True)


@pytest.mark.parametrize(
    ("pct", "eligible", "required"),
    [("10", 100, 10), ("10", 101, 11), ("33.33", 300, 100), ("33.34", 300, 101), ("50", 7, 4), ("0", 50, 0)],
)
def test_percent_rounds_up_exactly(pct, eligible, required):
    status = quorum_status(percent(pct), voting_members={"general": eligible}, present={}, proxies={})
    assert status.required == required


def test_the_number_basis_ignores_the_size_of_the_membership():
    rules = QuorumRules(basis="number", number=15)
    status = quorum_status(rules, voting_members={"general": 1000}, present={"general": 15}, proxies={})
    assert (status.required, status.met) == (15, True)


def test_a_class_minimum_unmet_while_the_total_is_met():
    rules = percent("10", class_minimums={"lessee": 3, "general": 0})
    status = quorum_status(
        rules, voting_members={"lessee": 20, "general": 80}, present={"lessee": 1, "general": 14}, proxies={}
    )
    assert (status.required, status.counted) == (10, 15)
    assert status.total_met and not status.met
    # Only classes with a minimum are listed; a zero minimum is no minimum.
    assert [(c.member_class, c.minimum, c.counted, c.met) for c in status.classes] == [("lessee", 3, 1, False)]
    assert [c.member_class for c in status.unmet_classes] == ["lessee"]
    status = quorum_status(
        rules, voting_members={"lessee": 20, "general": 80}, present={"lessee": 3, "general": 14}, proxies={}
    )
    assert status.met and status.classes[0].counted == 3


@pytest.mark.parametrize(("counts_proxies", "counted", "met"), [(True, 10, True), (False, 8, False)])
def test_proxies_count_toward_the_quorum_only_when_the_bylaws_say_so(counts_proxies, counted, met):
    rules = percent("10", class_minimums={"lessee": 2}, counts_proxies=counts_proxies)
    status = quorum_status(
        rules, voting_members={"lessee": 30, "general": 70}, present={"lessee": 1, "general": 7}, proxies={"lessee": 2}
    )
    assert (status.present, status.proxies, status.counted, status.met) == (8, 2, counted, met)
    assert status.classes[0].counted == (3 if counts_proxies else 1)
    # Proxies vote either way: the votes in the room include them.
    assert status.votes_present() == 10
    assert status.votes_present(["lessee"]) == 3


def test_an_empty_room_never_has_a_quorum_even_when_none_is_required():
    status = quorum_status(QuorumRules(basis="number", number=0), voting_members={"general": 5}, present={}, proxies={})
    assert (status.required, status.counted, status.met) == (0, 0, False)


def test_the_snapshot_is_plain_json():
    rules = percent("12.5", class_minimums={"lessee": 1})
    status = quorum_status(rules, voting_members={"lessee": 4, "general": 4}, present={"lessee": 1}, proxies={})
    data = status.as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["percent"] == "12.5" and data["required"] == 1 and data["met"] is True
    assert data["classes"] == [
        {"member_class": "lessee", "minimum": 1, "counted": 1, "met": True, "eligible": 4, "present": 1, "proxies": 0}
    ]
    assert data["eligible_by_class"] == {"lessee": 4, "general": 4}


@pytest.mark.parametrize(
    ("threshold", "yes", "no", "present", "carried"),
    [
        ("two_thirds", 20, 10, 40, True),  # exactly two thirds
        ("two_thirds", 19, 10, 40, False),
        ("majority", 10, 10, 20, False),  # a tie fails
        ("majority", 11, 10, 21, True),
        ("three_quarters", 30, 10, 40, True),
        ("three_quarters", 29, 10, 40, False),
        ("majority_present", 10, 0, 20, False),  # half the room is not more than half
        ("majority_present", 11, 0, 20, True),
        ("two_thirds_present", 20, 0, 30, True),
        ("two_thirds_present", 19, 0, 30, False),
        ("majority", 0, 0, 20, False),  # no votes cast never passes
        ("two_thirds_present", 0, 0, 0, False),
    ],
)
def test_thresholds_at_their_boundaries(threshold, yes, no, present, carried):
    assert passes(threshold, yes=yes, no=no, present=present) is carried


def test_abstentions_are_not_votes_cast():
    # 5 yes, 4 no, 30 abstaining: a majority of the votes cast, not of the room.
    assert passes("majority", yes=5, no=4, present=39)
    assert not passes("majority_present", yes=5, no=4, present=39)


@pytest.mark.parametrize(
    ("threshold", "cast", "present", "needed"),
    [
        ("majority", 20, 30, 11),
        ("majority", 21, 30, 11),
        ("two_thirds", 30, 40, 20),
        ("two_thirds", 31, 40, 21),
        ("three_quarters", 40, 40, 30),
        ("three_quarters", 41, 41, 31),
        ("majority_present", 5, 20, 11),
        ("two_thirds_present", 5, 30, 20),
        ("two_thirds", 0, 10, 1),
    ],
)
def test_votes_needed_is_the_boundary_of_passes(threshold, cast, present, needed):
    assert votes_needed(threshold, cast=cast, present=present) == needed
    if cast and threshold in ("majority", "two_thirds", "three_quarters"):
        assert passes(threshold, yes=needed, no=cast - needed, present=present)
        assert not passes(threshold, yes=needed - 1, no=cast - needed + 1, present=present)


def test_unknown_rules_are_refused():
    with pytest.raises(ValueError):
        passes("unanimous", yes=1, no=0, present=1)
    with pytest.raises(ValueError):
        quorum_status(QuorumRules(basis="vibes"), voting_members={}, present={}, proxies={})


def test_the_module_imports_without_django():
    code = "import importlib, sys; importlib.import_module('governance.meetings.quorum'); " + (
        "assert not [m for m in sys.modules if m.startswith('django')]"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
