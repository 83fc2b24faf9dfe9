"""Demo people and logins: one of each role, plus the people who live in the demo homes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clt import roles
from clt.history import stamp
from clt.models import Person

DEMO_PASSWORD = "demo-clt-2026"
GIVEN = [
    "Ana",
    "Ahmed",
    "Beatriz",
    "Bich",
    "Carlos",
    "Chantal",
    "Daniel",
    "Deqa",
    "Elena",
    "Emmanuel",
    "Fatima",
    "Grace",
    "Hassan",
    "Hoa",
    "Isabel",
    "Jamal",
    "Jean",
    "Kateryna",
    "Luis",
    "Mai",
    "Marisol",
    "Mohamed",
    "Nadia",
    "Omar",
    "Patrice",
    "Priya",
    "Rosa",
    "Samuel",
    "Sita",
    "Tomas",
    "Yusuf",
    "Zainab",
]
FAMILY = [
    "Abdi",
    "Baptiste",
    "Chen",
    "Diaz",
    "Eriksen",
    "Farah",
    "Garcia",
    "Gurung",
    "Hernandez",
    "Ibrahim",
    "Jones",
    "Kowalski",
    "Lopez",
    "Martin",
    "Nguyen",
    "Okafor",
    "Pelletier",
    "Quinn",
    "Rai",
    "Santos",
    "Tran",
    "Ulloa",
    "Vega",
    "Warsame",
    "Yilmaz",
    "Zhang",
]
LANGUAGES = ["en"] * 6 + ["es", "es", "vi", "so", "ne", "fr", "ar"]
DEMO_USERS = [
    ("staff", "Sam", "Steward", [roles.STAFF_GROUP], gettext_lazy("staff")),
    ("homeowner", "Rosa", "Diaz", [], gettext_lazy("homeowner")),
    ("member", "Jamal", "Okafor", [roles.MEMBER_GROUP], gettext_lazy("member")),
    ("board", "Priya", "Rai", [roles.MEMBER_GROUP, roles.BOARD_GROUP], gettext_lazy("board member")),
]


def load_demo(context: Any) -> None:
    groups = {
        name: Group.objects.get_or_create(name=name)[0]
        for name in (roles.STAFF_GROUP, roles.MEMBER_GROUP, roles.BOARD_GROUP)
    }
    users = {}
    for username, given, family, group_names, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": given, "last_name": family, "email": f"{username}@clt.example"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = username == "staff"  # the admin, as a staff escape hatch
            user.save()
        user.groups.add(*(groups[g] for g in group_names))
        users[username] = user
        context.logins.append((username, DEMO_PASSWORD, role))
    context.actor = users["staff"]
    context.shared["users"] = users

    people = list(Person.objects.order_by("pk"))
    if not people:
        rng = context.rng
        for index in range(180):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            person = Person(
                given_name=given,
                family_name=family,
                email=f"{given}.{family}{index}@example.org".lower(),
                phone=f"802-555-{1000 + index:04d}",
                preferred_language=rng.choice(LANGUAGES),
            )
            stamp(person, actor=context.actor, reason="Demo data")
            person.save()
            people.append(person)
        for username in ("homeowner", "member", "board"):
            user = users[username]
            person = Person(given_name=user.first_name, family_name=user.last_name, email=user.email, user=user)
            stamp(person, actor=context.actor, reason="Demo data")
            person.save()
            people.append(person)
    context.shared["people"] = people
    context.stdout.write(_("People: %(count)s") % {"count": len(people)})
