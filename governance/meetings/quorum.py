"""Quorum at member meetings (R9) and the thresholds of resolutions (R13).

Pure: no Django import, exact integer and Decimal arithmetic. The services gather the counts (voting members
by class on the record date, who is in the room, the proxies their holders carry) and store
:meth:`QuorumStatus.as_dict` as the snapshot of the moment a resolution is voted.

* The quorum is a percentage of the voting members, rounded up (10 % of 95 is 9.5: 10 are needed), or a
  number; the bylaws may add a minimum per class ("including at least 3 lessee members"). Proxies count
  toward it when the bylaws say so (``counts_proxies``).
* A meeting where nobody who votes is counted never has a quorum, whatever the rule says (a quorum of 0
  would otherwise let an empty room decide).
* Thresholds compare the yes votes with the votes cast (yes + no: abstentions are not votes cast) or with
  the voting members present; no votes cast never passes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = [
    "CLASS_ORDER",
    "MAJORITY",
    "MAJORITY_PRESENT",
    "NUMBER",
    "PERCENT",
    "THREE_QUARTERS",
    "THRESHOLDS",
    "TWO_THIRDS",
    "TWO_THIRDS_PRESENT",
    "ClassQuorum",
    "QuorumRules",
    "QuorumStatus",
    "passes",
    "quorum_status",
    "votes_needed",
]

PERCENT, NUMBER = "percent", "number"
MAJORITY, TWO_THIRDS, THREE_QUARTERS = "majority", "two_thirds", "three_quarters"
MAJORITY_PRESENT, TWO_THIRDS_PRESENT = "majority_present", "two_thirds_present"
THRESHOLDS = (MAJORITY, TWO_THIRDS, THREE_QUARTERS, MAJORITY_PRESENT, TWO_THIRDS_PRESENT)
# The member classes in their order of precedence (R5); other keys follow alphabetically.
CLASS_ORDER = ("lessee", "general", "supporting")


def _class_key(name: str) -> tuple[int, str]:
    return (CLASS_ORDER.index(name) if name in CLASS_ORDER else len(CLASS_ORDER), name)


@dataclass(frozen=True)
class QuorumRules:
    """The bylaws' quorum: ``basis`` percent (of the voting members) or number, per-class minimums, proxies."""

    basis: str
    percent: Decimal = Decimal("0")
    number: int = 0
    class_minimums: Mapping[str, int] = field(default_factory=dict)
    counts_proxies: bool = True


@dataclass(frozen=True)
class ClassQuorum:
    """One class with a minimum: how many of it count now (present, plus proxies when they count)."""

    member_class: str
    minimum: int
    counted: int
    met: bool
    eligible: int = 0
    present: int = 0
    proxies: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "member_class": self.member_class,
            "minimum": self.minimum,
            "counted": self.counted,
            "met": self.met,
            "eligible": self.eligible,
            "present": self.present,
            "proxies": self.proxies,
        }


@dataclass(frozen=True)
class QuorumStatus:
    """The quorum now: who may vote, what is needed, who counts, and whether it is met (total and per class).

    ``present``: voting members in the room; ``proxies``: proxies carried by holders in the room for grantors
    who are not; ``counted``: present, plus the proxies when the bylaws count them. ``*_by_class`` are
    ``(class, n)`` pairs in class order, for every class with voting members, present people or proxies.
    """

    basis: str
    percent: Decimal
    number: int
    counts_proxies: bool
    eligible: int
    required: int
    present: int
    proxies: int
    counted: int
    met: bool
    classes: tuple[ClassQuorum, ...] = ()
    eligible_by_class: tuple[tuple[str, int], ...] = ()
    present_by_class: tuple[tuple[str, int], ...] = ()
    proxies_by_class: tuple[tuple[str, int], ...] = ()

    @property
    def total_met(self) -> bool:
        """The overall number is reached (the per-class minimums aside)."""
        return self.counted >= self.required and self.counted > 0

    @property
    def unmet_classes(self) -> tuple[ClassQuorum, ...]:
        return tuple(c for c in self.classes if not c.met)

    def votes_present(self, classes: Iterable[str] | None = None) -> int:
        """Votes in the room: voting members present plus the proxies carried (of ``classes``; all when empty).

        Proxies vote whether or not they count toward the quorum.
        """
        wanted = set(classes or ())
        return sum(n for c, n in self.present_by_class + self.proxies_by_class if not wanted or c in wanted)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON (ints, strings, booleans): the snapshot stored with a vote and returned by the API."""
        return {
            "basis": self.basis,
            "percent": str(self.percent),
            "number": self.number,
            "counts_proxies": self.counts_proxies,
            "eligible": self.eligible,
            "required": self.required,
            "present": self.present,
            "proxies": self.proxies,
            "counted": self.counted,
            "met": self.met,
            "classes": [c.as_dict() for c in self.classes],
            "eligible_by_class": dict(self.eligible_by_class),
            "present_by_class": dict(self.present_by_class),
            "proxies_by_class": dict(self.proxies_by_class),
        }


def _required(rules: QuorumRules, eligible: int) -> int:
    if rules.basis == PERCENT:
        # Exact: Fraction of the Decimal, so 10 % of 95 is 19/2 and rounds up to 10, never 9.
        return math.ceil(Fraction(Decimal(rules.percent)) * eligible / 100)
    if rules.basis == NUMBER:
        return int(rules.number)
    raise ValueError(f"unknown quorum basis: {rules.basis!r}")


def _positive(counts: Mapping[str, int]) -> dict[str, int]:
    return {str(k): int(v) for k, v in counts.items() if int(v)}


def _ordered(counts: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: _class_key(item[0])))


def quorum_status(
    rules: QuorumRules,
    *,
    voting_members: Mapping[str, int],
    present: Mapping[str, int],
    proxies: Mapping[str, int],
) -> QuorumStatus:
    """Whether the meeting has a quorum, from the counts by member class (see the module's rules)."""
    eligible_by = _positive(voting_members)
    present_by = _positive(present)
    proxies_by = _positive(proxies)
    if any(v < 0 for v in (*eligible_by.values(), *present_by.values(), *proxies_by.values())):
        raise ValueError("counts cannot be negative")
    eligible = sum(eligible_by.values())
    present_total = sum(present_by.values())
    proxies_total = sum(proxies_by.values())
    counted = present_total + (proxies_total if rules.counts_proxies else 0)
    required = _required(rules, eligible)
    classes = []
    for name, minimum in sorted(rules.class_minimums.items(), key=lambda item: _class_key(item[0])):
        minimum = int(minimum)
        if minimum <= 0:
            continue
        in_room = present_by.get(name, 0)
        carried = proxies_by.get(name, 0)
        class_counted = in_room + (carried if rules.counts_proxies else 0)
        classes.append(
            ClassQuorum(
                member_class=name,
                minimum=minimum,
                counted=class_counted,
                met=class_counted >= minimum,
                eligible=eligible_by.get(name, 0),
                present=in_room,
                proxies=carried,
            )
        )
    met = counted >= required and counted > 0 and all(c.met for c in classes)
    return QuorumStatus(
        basis=rules.basis,
        percent=Decimal(rules.percent),
        number=int(rules.number),
        counts_proxies=bool(rules.counts_proxies),
        eligible=eligible,
        required=required,
        present=present_total,
        proxies=proxies_total,
        counted=counted,
        met=met,
        classes=tuple(classes),
        eligible_by_class=_ordered(eligible_by),
        present_by_class=_ordered(present_by),
        proxies_by_class=_ordered(proxies_by),
    )


def _check(threshold: str, *counts: int) -> None:
    if threshold not in THRESHOLDS:
        raise ValueError(f"unknown threshold: {threshold!r}")
    if any(n < 0 for n in counts):
        raise ValueError("vote counts cannot be negative")


def passes(threshold: str, *, yes: int, no: int, present: int) -> bool:
    """Whether ``yes`` against ``no`` carries under ``threshold``; ``present`` is the votes in the room."""
    _check(threshold, yes, no, present)
    cast = yes + no
    if cast == 0:
        return False
    if threshold == MAJORITY:
        return yes * 2 > cast
    if threshold == TWO_THIRDS:
        return yes * 3 >= cast * 2
    if threshold == THREE_QUARTERS:
        return yes * 4 >= cast * 3
    if threshold == MAJORITY_PRESENT:
        return yes * 2 > present
    return yes * 3 >= present * 2  # TWO_THIRDS_PRESENT


def votes_needed(threshold: str, *, cast: int, present: int) -> int:
    """The fewest yes votes that carry: of ``cast`` votes (yes + no), or of the ``present`` for the *_present
    thresholds. At least one: no votes never pass."""
    _check(threshold, cast, present)
    if threshold == MAJORITY:
        needed = cast // 2 + 1
    elif threshold == TWO_THIRDS:
        needed = -(-cast * 2 // 3)
    elif threshold == THREE_QUARTERS:
        needed = -(-cast * 3 // 4)
    elif threshold == MAJORITY_PRESENT:
        needed = present // 2 + 1
    else:
        needed = -(-present * 2 // 3)
    return max(1, needed)
