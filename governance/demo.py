"""Demo data of governance. ``load_demo`` (membership, F) calls the board's and the elections' loaders.

Elections (``load_elections_demo``): one election closed, counted and certified (paper ballots entered
by staff, Scottish STV for the leaseholder seats), and one open election whose access codes for the
demo logins are printed so that they can vote.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from clt import clock, roles
from clt.demo import DEMO_PASSWORD, FAMILY, GIVEN
from clt.history import save_stamped, stamp
from clt.models import Person
from governance.board import rules
from governance.board import services as board_services
from governance.board.models import BoardTerm, SeatClass
from governance.budgeting.demo import load_budgeting_demo
from governance.coop_demo import load_coop_demo, load_online_proxy_demo
from governance.elections import nominations
from governance.elections import services as election_services
from governance.elections.models import Election
from governance.meetings import selectors as meeting_selectors
from governance.meetings import services as meeting_services
from governance.meetings.models import Meeting
from governance.membership import eligibility as el
from governance.membership import services as membership_services
from governance.membership.models import GovernanceSettings, MemberClass, Membership
from governance.membership.selectors import class_counts, standings_on
from leases.lifecycle.models import HouseholdMember, Leaseholder
from leases.models import PolicyStatus
from leases.resale import services as lease_services
from leases.resale.models import ResalePolicy, ResalePolicyVersion
from properties.models import Parcel

CLOSED_NAME = "Annual election (last year)"
OPEN_NAME = "Annual election"
OFFICER_USERNAME = "officer"


def _officer(context: Any) -> User:
    user, created = User.objects.get_or_create(
        username=OFFICER_USERNAME,
        defaults={"first_name": "Elena", "last_name": "Officer", "email": "officer@clt.example"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    context.logins.append((OFFICER_USERNAME, DEMO_PASSWORD, gettext("election officer")))
    user.groups.add(Group.objects.get_or_create(name=roles.ELECTION_OFFICER_GROUP)[0])
    return user


def _leaseholder_candidates(record_date: dt.date, terms_start_on: dt.date) -> list[Person]:
    """Lessees who may stand for a leaseholder seat: lessee members on the record date and on the day the
    terms start (the seat class's candidate pool), without a demo login and not on the board already."""
    on_board = set(BoardTerm.objects.values_list("person_id", flat=True))
    later = {s.person.pk for s in standings_on(terms_start_on) if s.member_class == MemberClass.LESSEE}
    return sorted(
        (
            s.person
            for s in standings_on(record_date)
            if s.member_class == MemberClass.LESSEE
            and s.person.user_id is None
            and s.person.pk not in on_board
            and s.person.pk in later
        ),
        key=lambda p: p.pk,
    )


def _election(
    context: Any,
    officer: User,
    *,
    name: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    record_date: dt.date | None = None,
    seat_class: SeatClass | None = None,
    terms_start_on: dt.date | None = None,
) -> Any:
    actor = context.actor
    opens_on = timezone.localtime(opens_at).date()
    election = election_services.election_create(
        actor=actor,
        reason="Demo data",
        name=name,
        # Who may vote is settled before voting opens: by default a month before today, or two weeks
        # before an election that opened earlier than that.
        record_date=record_date or min(clock.today() - dt.timedelta(days=30), opens_on - dt.timedelta(days=14)),
        opens_at=opens_at,
        closes_at=closes_at,
        officer=officer,
    )
    people = [p for p in context.shared.get("people", []) if p.user_id is None]
    offset = 0 if name == OPEN_NAME else 10
    stv_people = people[offset : offset + 4]
    if seat_class is not None:
        # Tied to the leaseholder seats: the certified result seats its winners on the board, so they
        # come from the class's candidate pool.
        pool = _leaseholder_candidates(election.record_date, terms_start_on or opens_on)
        stv_people = (pool[offset : offset + 4] if len(pool) >= offset + 4 else pool[:4]) or stv_people
    stv = election_services.contest_add(
        actor=actor,
        reason="Demo data",
        election=election,
        title="Leaseholder seats",
        eligible_classes=[MemberClass.LESSEE],
        seats=2,
        method="scottish-stv",
        seat_class=seat_class,
    )
    chair = election_services.contest_add(
        actor=actor,
        reason="Demo data",
        election=election,
        title="Chair of the annual meeting",
        eligible_classes=[MemberClass.LESSEE, MemberClass.GENERAL],
        method="plurality",
    )
    for person in stv_people:
        nominations.candidate_add(
            actor=actor, reason="Demo data", contest=stv, person=person, consented_on=election.record_date
        )
    for person in people[offset + 4 : offset + 6]:
        nominations.candidate_add(
            actor=actor, reason="Demo data", contest=chair, person=person, consented_on=election.record_date
        )
    for contest in (stv, chair):
        # A real election draws its seed for ties by lot at the freeze; the demo fixes it, so that the
        # demo (and the README's screenshot of its results) is the same on every load.
        contest.tie_break_seed = random.Random(f"{name} / {contest.title}").getrandbits(62)
        save_stamped(contest, actor=actor, reason="Demo data")
    election_services.roll_freeze(actor=actor, reason="Demo data", election=election)
    codes = election_services.access_codes_issue(actor=actor, reason="Demo data", election=election)
    election_services.election_open(actor=actor, reason="Demo data", election=election)
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
    if SeatClass.objects.exists():
        count = SeatClass.objects.count()
        context.stdout.write(
            ngettext(
                "Board: %(count)s seat class (already loaded)", "Board: %(count)s seat classes (already loaded)", count
            )
            % {"count": count}
        )
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
        board_services.seat_class_create(
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
        board_services.seat_class_create(
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
        board_services.seat_class_create(
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
    today = clock.today()
    meeting = _last_annual_meeting(today)
    users = context.shared.get("users", {})
    board_person = getattr(users.get("board"), "person", None) if users.get("board") else None
    taken: set[int] = set()
    anyone = [p for p in context.shared.get("people", []) if p.user_id is None]
    seated = vacant = 0
    first_public: Any = None
    for seat_class in classes:
        leaseholders = seat_class.code == "leaseholder"
        # The demo homeowner (first in the pool) takes the leaseholders' group 2, which goes on.
        for group in (2, 1, 3) if leaseholders else (1, 2, 3):
            # Group 1 was elected at the last meeting, group 2 a year before, group 3 two years before.
            starts_on = rules.add_years(meeting, -(group - 1))
            ends_on = rules.add_years(starts_on, 3)
            basis = "ratified" if seat_class.code == "public" else "elected"
            reference = f"Annual meeting {starts_on.year}"
            if leaseholders and group == 1:
                # The leaseholders' group 1 was on the ballot of the certified demo election: the term it
                # replaces ends on the day of the last meeting, when the winners' terms start.
                starts_on, ends_on = rules.add_years(meeting, -3), meeting
                reference = f"Annual meeting {starts_on.year}"
            elif leaseholders and group == 3:
                # Its elected holder resigned; the board filled the seat until the next annual meeting
                # (the class's vacancy rule), whose election filled it again.
                starts_on, ends_on = meeting - dt.timedelta(days=240), meeting
                basis, reference = "vacancy", "Board appointment until the annual meeting"
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
                term = board_services.board_term_start(
                    seat_class=seat_class,
                    person=person,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    basis=basis,
                    stagger_group=group,
                    reference=reference,
                    actor=actor,
                    reason=BOARD_REASON,
                )
            except ValidationError:
                vacant += 1
                continue
            taken.add(person.pk)
            if ends_on > today:
                seated += 1
            else:
                vacant += 1  # until the certified election's winners take the seat
            if seat_class.code == "public" and group == 2:
                first_public = term
    if first_public is not None:
        board_services.board_term_end(
            term=first_public,
            ended_on=today - dt.timedelta(days=60),
            end_reason="resigned",
            reference="Letter of resignation",
            actor=actor,
            reason=BOARD_REASON,
        )
        vacant += 1
        seated -= 1
    context.stdout.write(
        ngettext(
            "Board: %(count)s seat class, %(seated)s seated, %(vacant)s vacant",
            "Board: %(count)s seat classes, %(seated)s seated, %(vacant)s vacant",
            len(classes),
        )
        % {"count": len(classes), "seated": seated, "vacant": vacant}
    )


def load_elections_demo(context: Any) -> None:
    if context.actor is None:
        context.stdout.write(gettext("Elections: skipped (no demo users)"))
        return
    officer = _officer(context)  # before the check below, so a second run prints the login too
    if Election.objects.filter(name__in=[CLOSED_NAME, OPEN_NAME]).exists():
        context.stdout.write(gettext("Elections: already loaded"))
        return
    rng = context.rng
    now = clock.now()
    # Last year's election chose the leaseholder seats whose terms start at the last annual meeting: the
    # roll settled five weeks before it, voting over the three weeks before it.
    meeting = _last_annual_meeting(clock.today())
    try:
        with transaction.atomic():
            election, stv, chair, codes = _election(
                context,
                officer,
                name=CLOSED_NAME,
                record_date=meeting - dt.timedelta(days=35),
                opens_at=clock.moment_on(meeting - dt.timedelta(days=21), 9),
                closes_at=clock.moment_on(meeting - dt.timedelta(days=1), 17),
                seat_class=SeatClass.objects.filter(code="leaseholder").first(),
                terms_start_on=meeting,
            )
    except ValidationError as exc:  # e.g. no voting member yet: the demo goes on without elections
        context.stdout.write(gettext("Elections: skipped (%(why)s)") % {"why": exc})
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
            election_services.ballot_cast(
                code=code, contest=contest, choices=choices, channel="paper", actor=context.actor, reason="Demo data"
            )
    election_services.election_close(actor=officer, reason="Demo data", election=election)
    election_services.election_count(actor=officer, reason="Demo data", election=election)
    election_services.election_certify(actor=officer, reason="Demo data", election=election, terms_start_on=meeting)

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
            context.stdout.write(
                gettext("Elections: access code of %(username)s: %(code)s")
                % {"username": user.username, "code": open_codes[entry.pk]}
            )
    context.stdout.write(
        ngettext(
            "Elections: %(closed)s certified, %(open)s open (%(count)s voter)",
            "Elections: %(closed)s certified, %(open)s open (%(count)s voters)",
            len(open_codes),
        )
        % {"closed": repr(CLOSED_NAME), "open": repr(OPEN_NAME), "count": len(open_codes)}
    )


# --- Membership (F) -----------------------------------------------------------------------------

MEMBERSHIP_REASON = "Demo data: membership"
AREA_MARGIN_DEG = 0.004  # about 440 m north-south around the homes


def _service_area_around_parcels() -> dict[str, Any] | None:
    """A rectangle around every demo parcel's centroid, widened by a margin (lon/lat, counter-clockwise)."""
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
    actor = context.actor
    settings = GovernanceSettings.current()
    if settings.service_area is None:
        area = _service_area_around_parcels()
        membership_services.governance_settings_update(
            actor=actor,
            reason=MEMBERSHIP_REASON,
            service_area_name="Old North End, Burlington",
            service_area=area,
            general_min_age=16,
            dues_amount=Decimal("10.00"),
        )
        settings = GovernanceSettings.current()
    if Membership.objects.exists():
        counts = class_counts(standings_on(clock.today()))
        context.stdout.write(gettext("Membership: %(counts)s (already loaded)") % {"counts": counts})
        return

    today = clock.today()
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
        m = membership_services.membership_apply(
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
        m = membership_services.membership_approve(
            membership=m, actor=actor, reason=MEMBERSHIP_REASON, approved_on=m.applied_on
        )
        if paid:
            membership_services.dues_record(
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
        membership_services.dues_record(
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
        membership_services.dues_waive(
            membership=waived, actor=actor, reason=MEMBERSHIP_REASON, waiver_reason="Hardship: dues waived"
        )
        for person in rest[4:7]:
            member(person, kind="supporting")
        membership_services.membership_apply(
            person=rest[7],
            actor=actor,
            reason=MEMBERSHIP_REASON,
            applied_on=today - dt.timedelta(days=5),
            birth_date=dt.date(today.year - 30, 3, 3),
        )
        made += 8
    counts = class_counts(standings_on(today))
    context.stdout.write(
        ngettext(
            "Membership: %(count)s membership; standing today %(counts)s",
            "Membership: %(count)s memberships; standing today %(counts)s",
            made,
        )
        % {"count": made, "counts": counts}
    )


# --- Meetings (M) --------------------------------------------------------------------------------

MEETINGS_REASON = "Demo data: member meetings"
MEETING_PLACE = "Old North End Community Center, 20 Allen Street"


def _evening(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(18, 30)))


def _demo_policy_draft(actor: Any) -> Any:
    """The draft resale policy version the members approve: the leases demo's, or a new version of a policy
    (its latest version's terms, re-adopted at the five-yearly review). ``None`` without resale policies."""
    draft = ResalePolicyVersion.objects.filter(status=PolicyStatus.DRAFT).order_by("pk").first()
    if draft is not None:
        return draft
    policy = (
        ResalePolicy.objects.filter(name="Area median income indexed").first()
        or ResalePolicy.objects.order_by("pk").first()
    )
    latest = policy.versions.order_by("-version").first() if policy is not None else None
    if latest is None:
        return None
    return lease_services.resale_policy_version_create(
        policy=policy,
        parameters=latest.parameters,
        cpi_series=latest.cpi_series,
        ami_series=latest.ami_series,
        actor=actor,
        reason="Five-yearly review of the resale formula: put to the annual meeting",
    )


def _dues_for_the_record_date(actor: Any, record_date: dt.date) -> None:
    """General members whose only bar to voting on ``record_date`` is that year's dues paid them then: the
    membership demo records this year's dues only (and one member's lapsed dues, left alone), so a meeting in an
    earlier year would have no general voters."""
    if record_date.year >= clock.today().year:
        return
    settings = GovernanceSettings.current()
    for standing in standings_on(record_date):
        if standing.member_class != "general" or standing.votes or standing.membership_id is None:
            continue
        if standing.reason_codes != (el.DUES_NOT_CURRENT,):
            continue
        try:
            membership_services.dues_record(
                membership=Membership.objects.get(pk=standing.membership_id),
                amount=settings.dues_amount,
                actor=actor,
                reason=MEETINGS_REASON,
                paid_on=record_date.replace(month=1, day=15) if record_date.month > 1 else record_date,
                period_start=record_date,
                method="cash",
            )
        except ValidationError:
            continue


def load_meetings_demo(context: Any) -> None:
    """The last annual meeting, adjourned: attendance of both voting classes above the quorum (with two proxies),
    the resale formula's new version approved by a carried resolution (an "other" resolution without
    resale policies), a motion that failed; and a special meeting in a few weeks, its notice sent, with an
    agenda and a proposed land sale. Runs once (skipped when meetings exist)."""
    if Meeting.objects.exists():
        count = Meeting.objects.count()
        context.stdout.write(
            ngettext(
                "Meetings: %(count)s meeting (already loaded)", "Meetings: %(count)s meetings (already loaded)", count
            )
            % {"count": count}
        )
        return
    actor = context.actor
    if actor is None:
        context.stdout.write(gettext("Meetings: skipped (no demo users)"))
        return
    rng = context.rng
    today = clock.today()
    # The last annual meeting (14 June, as the board's terms say).
    day = _last_annual_meeting(today)
    record_date = day - dt.timedelta(days=30)
    starts_at = _evening(day)
    _dues_for_the_record_date(actor, record_date)
    voters = [s for s in standings_on(record_date) if s.votes]
    lessees = [s.person for s in voters if s.member_class == "lessee"]
    generals = [s.person for s in voters if s.member_class == "general"]
    # "10 % of the voting members, including at least 5 lessee and 2 general members" (the general minimum only
    # when the demo has general members who voted then).
    membership_services.governance_settings_update(
        actor=actor,
        reason=MEETINGS_REASON,
        quorum_basis="percent",
        quorum_percent=10,
        quorum_class_minimums={"lessee": 5, "general": 2} if len(generals) >= 2 else {"lessee": 5},
        proxies_allowed=True,
        proxy_max_per_holder=2,
    )
    annual = meeting_services.meeting_create(
        actor=actor,
        reason=MEETINGS_REASON,
        kind="annual",
        title=f"Annual meeting {day.year}",
        starts_at=starts_at,
        record_date=record_date,
        location=MEETING_PLACE,
    )
    for title, description in [
        ("Call to order and quorum", ""),
        ("Minutes of the last annual meeting", ""),
        ("Resale formula", "The five-yearly review of the resale formula: the board proposes to re-adopt it."),
        ("Board election results", "The election officer reports the certified results."),
        ("Any other business", ""),
    ]:
        meeting_services.agenda_item_add(
            actor=actor, reason=MEETINGS_REASON, meeting=annual, title=title, description=description
        )
    draft = _demo_policy_draft(actor)
    if draft is not None:
        main = meeting_services.resolution_propose(
            actor=actor,
            reason=MEETINGS_REASON,
            meeting=annual,
            title=f"Approve {draft}",
            text=f"Resolved: the members approve version {draft.version} of the resale policy “{draft.policy}”, "
            "in use from the day of this vote.",
            kind="resale_formula",
            policy_version=draft,
        )
    else:
        main = meeting_services.resolution_propose(
            actor=actor,
            reason=MEETINGS_REASON,
            meeting=annual,
            title="Approve the annual report",
            text="Resolved: the members approve the annual report and the accounts of the past year.",
            kind="other",
        )
    online = meeting_services.resolution_propose(
        actor=actor,
        reason=MEETINGS_REASON,
        meeting=annual,
        title="Hold the next annual meeting online only",
        text="Resolved: the next annual meeting is held online, without a meeting room.",
        kind="other",
    )
    meeting_services.meeting_notice_send(
        actor=actor, reason=MEETINGS_REASON, meeting=annual, sent_on=day - dt.timedelta(days=21)
    )
    meeting_services.meeting_open(actor=actor, reason=MEETINGS_REASON, meeting=annual, at=starts_at)

    users = context.shared.get("users", {})
    logins = {getattr(users.get(name), "person", None) for name in ("homeowner", "member", "board") if users.get(name)}
    # The demo logins come first, so that they find themselves in the attendance.
    lessees.sort(key=lambda p: p not in logins)
    generals.sort(key=lambda p: p not in logins)
    needed = math.ceil(len(voters) * 0.10)
    coming = lessees[: max(5, math.ceil(needed * 0.9))] + generals[: max(2, math.ceil(len(generals) * 0.4))]
    for minute, person in enumerate(coming):
        meeting_services.attendance_check_in(
            actor=actor, meeting=annual, person=person, at=starts_at + dt.timedelta(minutes=minute % 15)
        )
    # Two lessees who could not come gave their proxy to one who did.
    absent = [p for p in lessees if p not in coming]
    holder = coming[0] if coming else None
    for grantor in rng.sample(absent, k=min(2, len(absent))) if holder is not None else []:
        meeting_services.proxy_record(
            actor=actor,
            reason=MEETINGS_REASON,
            grantor=grantor,
            holder=holder,
            received_on=day - dt.timedelta(days=3),
            meeting=annual,
        )
    quorum = meeting_selectors.quorum_now(annual)
    if not quorum.met:
        context.stdout.write(
            gettext("Meetings: no quorum at the demo's annual meeting (%(why)s)")
            % {"why": meeting_selectors.quorum_shortfall_text(quorum)}
        )
        return
    room = quorum.votes_present()
    meeting_services.resolution_vote(
        actor=actor,
        reason=MEETINGS_REASON,
        resolution=main,
        yes=room - room // 8 - 2,
        no=room // 8,
        abstain=2,
        at=starts_at + dt.timedelta(minutes=40),
    )
    meeting_services.resolution_vote(
        actor=actor,
        reason=MEETINGS_REASON,
        resolution=online,
        yes=room // 4,
        no=room - room // 4 - 1,
        abstain=1,
        at=starts_at + dt.timedelta(minutes=55),
    )
    meeting_services.meeting_adjourn(
        actor=actor,
        reason=MEETINGS_REASON,
        meeting=annual,
        at=starts_at + dt.timedelta(hours=1, minutes=45),
        minutes="The chair declared a quorum. The resale formula was approved; the motion to meet online only "
        "failed. The election officer reported the certified results of the board election.",
    )

    # A special meeting in four weeks, its notice sent yesterday.
    special_day = today + dt.timedelta(days=28)
    special = meeting_services.meeting_create(
        actor=actor,
        reason=MEETINGS_REASON,
        kind="special",
        title="Special meeting: sale of the Archibald Street lot",
        starts_at=_evening(special_day),
        record_date=today - dt.timedelta(days=2),
        location=MEETING_PLACE,
        purpose="To decide on the sale of the vacant lot at 45 Archibald Street to the City of Burlington "
        "for a community garden.",
    )
    for title, description in [
        ("Call to order and quorum", ""),
        ("The city's offer", "Staff present the offer, the appraisal and the deed restriction."),
        ("Vote on the sale", "A sale of land needs two thirds of the votes cast."),
    ]:
        meeting_services.agenda_item_add(
            actor=actor, reason=MEETINGS_REASON, meeting=special, title=title, description=description
        )
    meeting_services.resolution_propose(
        actor=actor,
        reason=MEETINGS_REASON,
        meeting=special,
        title="Sell the Archibald Street lot to the city",
        text="Resolved: the trust sells the vacant lot at 45 Archibald Street to the City of Burlington for a "
        "community garden, with a deed restriction keeping it open to the public.",
        kind="land_sale",
    )
    meeting_services.meeting_notice_send(
        actor=actor, reason=MEETINGS_REASON, meeting=special, sent_on=today - dt.timedelta(days=1)
    )
    context.stdout.write(
        gettext(
            "Meetings: %(annual)s adjourned (%(counted)s counted of %(required)s needed, %(carried)s carried), "
            "%(special)s noticed"
        )
        % {
            "annual": repr(annual.title),
            "counted": quorum.counted,
            "required": quorum.required,
            "carried": repr(main.title),
            "special": repr(special.title),
        }
    )


def load_demo(context: Any) -> None:
    """Governance's demo: membership first, then the board, the elections, the meetings and a participatory budget."""
    load_membership_demo(context)
    load_coop_demo(context)
    for name in ("load_board_demo", "load_elections_demo", "load_meetings_demo"):
        loader = globals().get(name)
        if loader is not None:
            loader(context)
    load_online_proxy_demo(context)
    load_budgeting_demo(context)
