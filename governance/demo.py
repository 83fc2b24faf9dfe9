"""Demo data of governance. ``load_demo`` (membership, F) calls the board's and the elections' loaders.

Elections (``load_elections_demo``): one election closed, counted and certified (paper ballots entered
by staff, Scottish STV for the leaseholder seats), and one open election whose access codes for the
demo logins are printed so that they can vote.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clt import roles

CLOSED_NAME = "Annual election (last year)"
OPEN_NAME = "Annual election"
OFFICER_USERNAME = "officer"


def _officer(context: Any) -> User:
    user, created = User.objects.get_or_create(
        username=OFFICER_USERNAME,
        defaults={"first_name": "Elena", "last_name": "Officer", "email": "officer@clt.example"},
    )
    if created:
        from clt.demo import DEMO_PASSWORD

        user.set_password(DEMO_PASSWORD)
        user.save()
        context.logins.append((OFFICER_USERNAME, DEMO_PASSWORD, "election officer"))
    user.groups.add(Group.objects.get_or_create(name=roles.ELECTION_OFFICER_GROUP)[0])
    return user


def _election(context: Any, officer: User, *, name: str, opens_at: dt.datetime, closes_at: dt.datetime) -> Any:
    from governance import services as gs
    from governance.models import MemberClass

    actor = context.actor
    election = gs.election_create(
        actor=actor,
        reason="Demo data",
        name=name,
        record_date=timezone.localdate() - dt.timedelta(days=30),
        opens_at=opens_at,
        closes_at=closes_at,
        officer=officer,
    )
    people = [p for p in context.shared.get("people", []) if p.user_id is None]
    # Not tied to a seat class: the board demo seats its own roster, and a certified demo result must not
    # collide with those terms.
    seat_class = None
    stv = gs.contest_add(
        actor=actor,
        reason="Demo data",
        election=election,
        title="Leaseholder seats",
        eligible_classes=[MemberClass.LESSEE],
        seats=2,
        method="scottish-stv",
        seat_class=seat_class,
    )
    chair = gs.contest_add(
        actor=actor,
        reason="Demo data",
        election=election,
        title="Chair of the annual meeting",
        eligible_classes=[MemberClass.LESSEE, MemberClass.GENERAL],
        method="plurality",
    )
    offset = 0 if name == OPEN_NAME else 10
    for person in people[offset : offset + 4]:
        gs.candidate_add(actor=actor, reason="Demo data", contest=stv, person=person, consented_on=election.record_date)
    for person in people[offset + 4 : offset + 6]:
        gs.candidate_add(
            actor=actor, reason="Demo data", contest=chair, person=person, consented_on=election.record_date
        )
    gs.roll_freeze(actor=actor, reason="Demo data", election=election)
    codes = gs.access_codes_issue(actor=actor, reason="Demo data", election=election)
    gs.election_open(actor=actor, reason="Demo data", election=election)
    return election, stv, chair, codes


# --- Board (G) ---------------------------------------------------------------------------------

BOARD_REASON = "Demo data: the board"


def _last_annual_meeting(today: dt.date) -> dt.date:
    """The demo trust meets each year on 14 June: the latest meeting on or before today."""
    meeting = dt.date(today.year, 6, 14)
    return meeting if meeting <= today else dt.date(today.year - 1, 6, 14)


def load_board_demo(context: Any) -> None:
    """A CHT-like board: 3 leaseholder seats (elected by lessees, lessees stand), 3 general seats (elected by
    lessees and general members, general members stand), 3 public seats (board slate ratified, anyone stands);
    3-year terms in 3 stagger groups, one seat of each class elected each year. One public seat is vacant: its
    holder resigned two months ago. Runs once (skipped when seat classes exist)."""
    from governance import board as rules
    from governance import services as gs
    from governance.membership import standings_on
    from governance.models import SeatClass

    if SeatClass.objects.exists():
        context.stdout.write(f"Board: {SeatClass.objects.count()} seat classes (already loaded)")
        return
    actor = context.actor
    common = {
        "term_years": 3,
        "stagger_groups": 3,
        "term_limit_consecutive": 2,
        "break_years": 1,
        "vacancy_fill": "board",
        "vacancy_serves": "until_next_annual_meeting",
    }
    classes = [
        gs.seat_class_create(
            actor=actor,
            reason=BOARD_REASON,
            code="leaseholder",
            name="Leaseholder representatives",
            description="Elected by the lessee members from among themselves.",
            order=1,
            seats=3,
            electorate=["lessee"],
            candidate_pool=["lessee"],
            **common,
        ),
        gs.seat_class_create(
            actor=actor,
            reason=BOARD_REASON,
            code="general",
            name="General representatives",
            description="Elected by all voting members from among the general members.",
            order=2,
            seats=3,
            electorate=["lessee", "general"],
            candidate_pool=["general"],
            **common,
        ),
        gs.seat_class_create(
            actor=actor,
            reason=BOARD_REASON,
            code="public",
            name="Public representatives",
            description="Nominated by the board as a slate and ratified by the members.",
            order=3,
            seats=3,
            selection="board_slate_ratified",
            electorate=["lessee", "general"],
            candidate_pool=[],
            **common,
        ),
    ]
    today = timezone.localdate()
    meeting = _last_annual_meeting(today)
    users = context.shared.get("users", {})
    board_person = getattr(users.get("board"), "person", None) if users.get("board") else None
    taken: set[int] = set()
    anyone = [p for p in context.shared.get("people", []) if p.user_id is None]
    seated = vacant = 0
    first_public: Any = None
    for seat_class in classes:
        for group in (1, 2, 3):
            # Group 1 was elected at the last meeting, group 2 a year before, group 3 two years before.
            starts_on = rules.add_years(meeting, -(group - 1))
            ends_on = rules.add_years(starts_on, 3)
            if seat_class.candidate_pool:
                pool = [
                    s.person
                    for s in standings_on(starts_on)
                    if s.member_class in seat_class.candidate_pool and s.person.pk not in taken
                ]
                # The demo homeowner sits for the leaseholders when she can.
                pool.sort(key=lambda p: (p.user_id is None, p.pk))
            elif board_person is not None and board_person.pk not in taken:
                pool = [board_person]
            else:
                pool = [p for p in anyone if p.pk not in taken]
            person = next(iter(pool), None)
            if person is None:
                vacant += 1
                continue
            try:
                term = gs.board_term_start(
                    seat_class=seat_class,
                    person=person,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    basis="ratified" if seat_class.code == "public" else "elected",
                    stagger_group=group,
                    reference=f"Annual meeting {starts_on.year}",
                    actor=actor,
                    reason=BOARD_REASON,
                )
            except ValidationError:
                vacant += 1
                continue
            taken.add(person.pk)
            seated += 1
            if seat_class.code == "public" and group == 2:
                first_public = term
    if first_public is not None:
        gs.board_term_end(
            term=first_public,
            ended_on=today - dt.timedelta(days=60),
            end_reason="resigned",
            reference="Letter of resignation",
            actor=actor,
            reason=BOARD_REASON,
        )
        vacant += 1
        seated -= 1
    context.stdout.write(f"Board: {len(classes)} seat classes, {seated} seated, {vacant} vacant")


def load_elections_demo(context: Any) -> None:
    from governance import services as gs
    from governance.models import Election

    if Election.objects.filter(name__in=[CLOSED_NAME, OPEN_NAME]).exists():
        context.stdout.write("Elections: already loaded")
        return
    if context.actor is None:
        context.stdout.write("Elections: skipped (no demo users)")
        return
    officer = _officer(context)
    rng = context.rng
    now = timezone.now()
    try:
        with transaction.atomic():
            election, stv, chair, codes = _election(
                context,
                officer,
                name=CLOSED_NAME,
                opens_at=now - dt.timedelta(days=60),
                closes_at=now - dt.timedelta(days=46),
            )
    except ValidationError as exc:  # e.g. no voting member yet: the demo goes on without elections
        context.stdout.write(f"Elections: skipped ({exc})")
        return
    # Paper ballots received by the deadline, entered by staff after it.
    running = {contest: [c.pk for c in contest.candidates.order_by("ballot_order")] for contest in (stv, chair)}
    entries = {e.pk: e for e in election.roll.all()}
    for entry_id, code in codes.items():
        for contest, candidates in running.items():
            if entries[entry_id].member_class not in contest.eligible_classes or rng.random() < 0.2:
                continue
            if contest.ranked:
                choices = rng.sample(candidates, k=rng.randint(1, len(candidates)))
            else:
                choices = [rng.choice(candidates)]
            gs.ballot_cast(
                code=code, contest=contest, choices=choices, channel="paper", actor=context.actor, reason="Demo data"
            )
    gs.election_close(actor=officer, reason="Demo data", election=election)
    gs.election_count(actor=officer, reason="Demo data", election=election)
    gs.election_certify(actor=officer, reason="Demo data", election=election, terms_start_on=timezone.localdate())

    current, _, _, open_codes = _election(
        context,
        officer,
        name=OPEN_NAME,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=13),
    )
    entries = current.roll.select_related("person__user")
    for entry in entries:
        user = entry.person.user
        if user is not None:
            context.stdout.write(f"Elections: access code of {user.username}: {open_codes[entry.pk]}")
    context.stdout.write(f"Elections: {CLOSED_NAME!r} certified, {OPEN_NAME!r} open ({len(open_codes)} voters)")


# --- Membership (F) -----------------------------------------------------------------------------

MEMBERSHIP_REASON = "Demo data: membership"
AREA_MARGIN_DEG = 0.004  # about 440 m north-south around the homes


def _service_area_around_parcels() -> dict[str, Any] | None:
    """A rectangle around every demo parcel's centroid, widened by a margin (lon/lat, counter-clockwise)."""
    from django.db.models import Max, Min

    from properties.models import Parcel

    box = Parcel.objects.aggregate(
        w=Min("centroid_lon"), e=Max("centroid_lon"), s=Min("centroid_lat"), n=Max("centroid_lat")
    )
    if box["w"] is None:
        return None
    w, e = round(box["w"] - AREA_MARGIN_DEG, 6), round(box["e"] + AREA_MARGIN_DEG, 6)
    s, n = round(box["s"] - AREA_MARGIN_DEG, 6), round(box["n"] + AREA_MARGIN_DEG, 6)
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def load_membership_demo(context: Any) -> None:
    """Settings with a service area around the parcels; general members (dues current, one lapsed, one under
    age, one outside the area, one waived, one pending application), supporting members. Lessee members come
    from the demo leases. Runs once (skipped when memberships exist)."""
    from decimal import Decimal

    from governance import services as gs
    from governance.membership import class_counts, standings_on
    from governance.models import GovernanceSettings, Membership
    from leases.models import HouseholdMember, Leaseholder

    actor = context.actor
    settings = GovernanceSettings.current()
    if settings.service_area is None:
        area = _service_area_around_parcels()
        gs.governance_settings_update(
            actor=actor,
            reason=MEMBERSHIP_REASON,
            service_area_name="Old North End, Burlington",
            service_area=area,
            general_min_age=16,
            dues_amount=Decimal("10.00"),
        )
        settings = GovernanceSettings.current()
    if Membership.objects.exists():
        counts = class_counts(standings_on(timezone.localdate()))
        context.stdout.write(f"Membership: {counts} (already loaded)")
        return

    today = timezone.localdate()
    rng = context.rng
    ring = settings.service_area["coordinates"][0] if settings.service_area else None
    xs = [p[0] for p in ring] if ring else [-73.2121]
    ys = [p[1] for p in ring] if ring else [44.4759]

    def inside() -> tuple[Decimal, Decimal]:
        return (
            Decimal(str(round(rng.uniform(min(xs) + 0.001, max(xs) - 0.001), 6))),
            Decimal(str(round(rng.uniform(min(ys) + 0.001, max(ys) - 0.001), 6))),
        )

    tied = set(Leaseholder.objects.values_list("person_id", flat=True)) | set(
        HouseholdMember.objects.values_list("person_id", flat=True)
    )
    users = context.shared.get("users", {})
    login_people = [getattr(users[name], "person", None) for name in ("member", "board") if name in users]
    free = [p for p in context.shared.get("people", []) if p.pk not in tied and p.user_id is None]
    people = [p for p in login_people if p is not None and p.pk not in tied] + free
    # The demo's people all live in its homes: general and supporting members are neighbours, added here.
    from clt.demo import FAMILY, GIVEN
    from clt.history import stamp
    from clt.models import Person

    while len(people) < 20:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        neighbour = Person(
            given_name=given, family_name=family, email=f"{given}.{family}.m{len(people)}@example.org".lower()
        )
        stamp(neighbour, actor=actor, reason=MEMBERSHIP_REASON)
        neighbour.save()
        people.append(neighbour)

    def member(person: Any, *, kind: str = "general", paid: bool = True, years_old: int = 45, point=None) -> Any:
        lon, lat = point or inside()
        m = gs.membership_apply(
            person=person,
            actor=actor,
            reason=MEMBERSHIP_REASON,
            kind=kind,
            applied_on=today - dt.timedelta(days=rng.randint(200, 900)),
            birth_date=dt.date(today.year - years_old, rng.randint(1, 12), rng.randint(1, 28)),
            residence_address=f"{rng.randint(10, 400)} North Street, Burlington VT",
            longitude=lon,
            latitude=lat,
            resident_since=today - dt.timedelta(days=rng.randint(400, 4000)),
            statement_of_support=True,
        )
        m = gs.membership_approve(membership=m, actor=actor, reason=MEMBERSHIP_REASON, approved_on=m.applied_on)
        if paid:
            gs.dues_record(
                membership=m,
                amount=settings.dues_amount,
                actor=actor,
                reason=MEMBERSHIP_REASON,
                paid_on=dt.date(today.year, 1, min(today.day, 28)) if today.month > 1 else today,
                method="cash",
            )
        return m

    made = 0
    for person in people[:12]:  # the demo member and board logins first: general members with dues paid
        member(person)
        made += 1
    rest = people[12:]
    if len(rest) >= 8:
        lapsed = member(rest[0], paid=False)
        gs.dues_record(
            membership=lapsed,
            amount=settings.dues_amount,
            actor=actor,
            reason=MEMBERSHIP_REASON,
            paid_on=dt.date(today.year - 1, 2, 1),
            period_start=dt.date(today.year - 1, 1, 1),
        )
        member(rest[1], years_old=15)  # under the minimum age of 16
        member(rest[2], point=(Decimal("-73.150000"), Decimal("44.475000")))  # Winooski side: outside the area
        waived = member(rest[3], paid=False)
        gs.dues_waive(membership=waived, actor=actor, reason=MEMBERSHIP_REASON, waiver_reason="Hardship: dues waived")
        for person in rest[4:7]:
            member(person, kind="supporting")
        gs.membership_apply(
            person=rest[7],
            actor=actor,
            reason=MEMBERSHIP_REASON,
            applied_on=today - dt.timedelta(days=5),
            birth_date=dt.date(today.year - 30, 3, 3),
        )
        made += 8
    counts = class_counts(standings_on(today))
    context.stdout.write(f"Membership: {made} memberships; standing today {counts}")


def load_demo(context: Any) -> None:
    """Governance's demo: membership first, then the board and the elections (their loaders, when present)."""
    load_membership_demo(context)
    for name in ("load_board_demo", "load_elections_demo"):
        loader = globals().get(name)
        if loader is not None:
            loader(context)
