"""Who a user is to the trust: staff, homeowner, member, board member, or anonymous.

Roles are answers to questions about the user, computed once per request object and cached on
it, so a page that asks five times costs one query. Staff and board are Django groups;
a homeowner is a user whose Person holds, or held, a ground lease (what they see is then
narrowed to their own leases by each model's access rules). A member is derived too (a lessee
of a lease in force, or an approved general or supporting member today), and the member group
still grants the role by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Exists, Q, Value

from clt import clock

STAFF_GROUP = "staff"
MEMBER_GROUP = "member"
BOARD_GROUP = "board"
ELECTION_OFFICER_GROUP = "election_officer"

ROLE_STAFF = "staff"
ROLE_HOMEOWNER = "homeowner"
ROLE_MEMBER = "member"
ROLE_BOARD = "board"
ROLE_ELECTION_OFFICER = "election_officer"

__all__ = [
    "BOARD_GROUP",
    "ELECTION_OFFICER_GROUP",
    "MEMBER_GROUP",
    "STAFF_GROUP",
    "is_board_member",
    "is_election_officer",
    "is_homeowner",
    "is_member",
    "is_staff_member",
    "user_roles",
]


def user_roles(user: Any) -> frozenset[str]:
    """Every role the user holds; empty for anonymous and inactive users."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_clt_roles", None)
    if cached is not None:
        return cached
    staff, member, board, officer, held, member_today, board_today = _role_facts(user)
    roles = set()
    if user.is_superuser or staff:
        roles.add(ROLE_STAFF)
    if member or member_today:
        roles.add(ROLE_MEMBER)
    if board or board_today:
        roles.add(ROLE_BOARD)
    if officer:
        roles.add(ROLE_ELECTION_OFFICER)
    if held:
        roles.add(ROLE_HOMEOWNER)
    user._clt_roles = frozenset(roles)
    return user._clt_roles


# Stand-ins the roles query is compiled with once per database connection; each request then runs the
# compiled SQL with its own user and day in their places. Neither can be a real user or a day asked about.
_USER_SENTINEL = -987_654_321
_DAY_SENTINEL = dt.date(1901, 2, 3)


@dataclass(frozen=True)
class _CompiledRoles:
    sql: str
    params: tuple[Any, ...]
    user_at: tuple[int, ...]  # positions of the user's id among the params
    day_at: tuple[int, ...]  # positions of today's date


_compiled: dict[tuple[str, str], _CompiledRoles] = {}

try:
    import psycopg

    class _PreparedCursor(psycopg.Cursor):
        """psycopg's server-side binding cursor, preparing its statement from the first run."""

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True, **kwargs)

except ImportError:  # SQLite only: psycopg is the PostgreSQL driver
    _PreparedCursor = None  # type: ignore[assignment,misc]


def _role_facts(user: Any) -> tuple[bool, ...]:
    """(staff group, member group, board group, election officer group, holds or held a lease, member today,
    on the board today): one query, cached on the user object.

    Building and compiling the ORM query cost several milliseconds, paid on every authenticated request; the
    SQL does not change between requests, so it is compiled once per connection and run with the user's id and
    today's date put in the places of the stand-ins it was compiled with (``roles_query`` stays the definition).
    """
    cached = getattr(user, "_clt_role_facts", None)
    if cached is not None:
        return cached
    alias = router.db_for_read(get_user_model())
    connection = connections[alias]
    key = (alias, connection.settings_dict.get("NAME") or "")
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = _compile(connection, alias)
    params = list(compiled.params)
    for at in compiled.user_at:
        params[at] = user.pk
    day = connection.ops.adapt_datefield_value(clock.today())
    for at in compiled.day_at:
        params[at] = day
    with _roles_cursor(connection) as cursor:
        cursor.execute(compiled.sql, params)
        found = cursor.fetchone()
    user._clt_role_facts = tuple(bool(v) for v in found) if found else (False,) * 7
    return user._clt_role_facts


def _roles_cursor(connection: Any) -> Any:
    """A cursor for the roles query: on PostgreSQL, one that runs it as a prepared statement.

    PostgreSQL spends about 2 ms planning the query's ten ``EXISTS``, ten times what running it takes. A
    statement prepared in the session (psycopg's protocol-level prepare, which PgBouncer 1.21 and later
    also pools) is planned once, and from its sixth run on reuses a generic plan. Django's cursors bind
    parameters on the client, which cannot prepare; this one binds them on the server. It is still
    Django's cursor wrapper around it, so the query is logged and counted like any other.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = _PreparedCursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


def _compile(connection: Any, alias: str) -> _CompiledRoles:
    stand_in = get_user_model()(pk=_USER_SENTINEL)
    sql, params = roles_query(stand_in, _DAY_SENTINEL).using(alias).query.sql_with_params()
    day = connection.ops.adapt_datefield_value(_DAY_SENTINEL)
    user_at = tuple(i for i, p in enumerate(params) if type(p) is int and p == _USER_SENTINEL)
    day_at = tuple(i for i, p in enumerate(params) if p in (day, _DAY_SENTINEL))
    if not user_at:  # the user is in every part of the query; without it the SQL would answer for nobody
        raise RuntimeError("the roles query was compiled without the user's id")
    return _CompiledRoles(sql, tuple(params), user_at, day_at)


def roles_query(user: Any, today: dt.date) -> Any:
    """The user's row with every role fact annotated, in the order ``_role_facts`` returns them."""
    # Models are looked up by name so that this module, imported by every app, imports none of them.
    group = apps.get_model("auth", "Group")

    def in_group(name: str) -> Any:
        return Exists(group.objects.filter(name=name, user=user))

    lease = apps.get_model("leases", "GroundLease")
    # Two EXISTS rather than one over an OR of two joins, which no index serves: each starts from the user's
    # person (or organisation contact) by its index instead of scanning every lease.
    signed = lease.objects.exclude(status="draft")
    held = Exists(signed.filter(leaseholders__person__user=user)) | Exists(
        signed.filter(organization__contact__user=user)
    )
    member = _member_today_query(user, today)
    board = _board_today_query(user, today)
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            staff_group=in_group(STAFF_GROUP),
            member_group=in_group(MEMBER_GROUP),
            board_group=in_group(BOARD_GROUP),
            officer_group=in_group(ELECTION_OFFICER_GROUP),
            held=held,
            member=member if member is not None else Value(False),
            board=Exists(board) if board is not None else Value(False),
        )
        .values_list("staff_group", "member_group", "board_group", "officer_group", "held", "member", "board")
    )


def _board_today_query(user: Any, today: dt.date) -> Any:
    """The user's board terms in force today (started, not yet at their end, not ended early): holding a seat
    makes a director a board member without anyone adding them to the board group. ``None`` without governance.
    """
    try:
        term = apps.get_model("governance", "BoardTerm")
    except LookupError:
        return None
    return term.objects.filter(
        Q(person__user=user, starts_on__lte=today, ends_on__gt=today)
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))
    )


def _member_today_query(user: Any, today: dt.date) -> Any:
    """Whether the user's Person is a member of the trust today: named on a lease in force, or in the
    household of one (when the bylaws make adult household members lessee members), or holding an approved
    membership not ended. ``None`` without the governance app.

    Part of the one roles query; the exact class, vote and reasons are ``governance.membership.selectors.standing_of``.
    Each part starts from the user (a login has at most one Person), so the database follows the indexes from
    the user's person to their leases rather than testing every lease in force against the person.
    Models are looked up by name so that this module imports no app.
    """
    try:
        lease = apps.get_model("leases", "GroundLease")
        membership = apps.get_model("governance", "Membership")
        settings = apps.get_model("governance", "GovernanceSettings")
    except LookupError:
        return None
    in_force = (
        ~Q(status="draft")
        & Q(commencement__lte=today)
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        & (Q(predecessor__isnull=True) | Q(predecessor__ended_on__lte=today))
    )
    named = lease.objects.filter(in_force, leaseholders__person__user=user)
    household = lease.objects.filter(in_force, household__members__person__user=user)
    adults_count = settings.objects.filter(lessee_scope="adult_household_members")
    general = membership.objects.filter(
        Q(person__user=user, status__in=("active", "resigned", "ended"), approved_on__lte=today)
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))
    )
    return Exists(named) | Exists(general) | (Exists(household) & Exists(adults_count))


def is_staff_member(user: Any) -> bool:
    return ROLE_STAFF in user_roles(user)


def is_homeowner(user: Any) -> bool:
    return ROLE_HOMEOWNER in user_roles(user)


def is_member(user: Any) -> bool:
    return ROLE_MEMBER in user_roles(user)


def is_board_member(user: Any) -> bool:
    return ROLE_BOARD in user_roles(user)


def is_election_officer(user: Any) -> bool:
    """Runs elections: issues codes, closes, counts and certifies (the officer named on an election)."""
    return ROLE_ELECTION_OFFICER in user_roles(user)
