"""Lease terms: the staff pages and the API that make lease templates and their versions.

A version that a lease uses never changes; a change of terms is a new version, and the leases signed
before keep the terms they were signed with. The figures are the domain notes' published ones (a 30-day
cure period, a 99-year term, a $40.00 monthly fee) unless a test changes them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leases.lifecycle import services
from leases.lifecycle.forms import TERM_FIELDS
from leases.lifecycle.models import Deadline, LeaseTemplate, LeaseTemplateVersion
from tests.factories import make_lease, make_template_version

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def prefilled(response) -> dict[str, str]:
    """The values the page's form shows, as a browser would post them back."""
    form = response.context["form"]
    data = {}
    for field in form:
        value = field.value()
        if isinstance(value, dt.date):
            value = value.isoformat()
        data[field.name] = "" if value is None else str(value)
    return data


def row(html: str, term: str) -> str:
    """The ``<tr>`` of one term in the side-by-side table."""
    start = html.index(f'id="term-{term}"')
    return html[start : html.index("</tr>", start)]


@pytest.fixture
def v1() -> LeaseTemplateVersion:
    return make_template_version("Model lease 2018")


@pytest.fixture
def lease_on_v1(v1):
    return make_lease(version=v1)


def terms_urls(template_pk: int, version_pk: int) -> list[str]:
    return [
        "/leases/terms/",
        "/leases/terms/new/",
        f"/leases/terms/{template_pk}/",
        f"/leases/terms/{template_pk}/versions/new/",
        f"/leases/terms/{template_pk}/versions/{version_pk}/edit/",
    ]


# --- Who may open what ------------------------------------------------------------------------------------


def form_data(version) -> dict[str, str]:
    """The version's terms as a browser would post them (an empty choice is "")."""
    values = {name: version.serializable_value(name) for name in TERM_FIELDS}
    return {name: "" if value is None else str(value) for name, value in values.items()}


def test_every_term_of_a_version_is_on_the_form_and_in_the_table():
    """A term added to the model must be added to a fieldset, or staff could never set it."""
    assert sorted(TERM_FIELDS) == sorted(services.TEMPLATE_VERSION_FIELDS)
    assert len(TERM_FIELDS) == len(set(TERM_FIELDS))


def test_anonymous_is_sent_to_login(client, v1):
    for path in terms_urls(v1.template_id, v1.pk):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/?next="), path


@pytest.mark.parametrize("role", ["member", "homeowner", "board"])
def test_other_roles_are_refused_and_change_nothing(client, users, v1, role):
    def snapshot() -> tuple:
        return (
            list(LeaseTemplate.objects.values_list("name", "description")),
            list(LeaseTemplateVersion.objects.order_by("pk").values_list("version", "cure_days")),
        )

    before = snapshot()
    assert before[1][0] == (1, 30)
    login(client, users[role])
    for path in terms_urls(v1.template_id, v1.pk):
        assert client.get(path).status_code == 403, path
    posted = {"name": "Hijack", "cure_days": "1", "effective_from": "2020-01-01", "change_reason": "x"}
    for path in terms_urls(v1.template_id, v1.pk)[1:]:
        assert client.post(path, posted).status_code == 403, path
    assert snapshot() == before


def test_unknown_template_or_version_is_404(client, staff_user, v1):
    other = make_template_version("Another lease")
    login(client, staff_user)
    assert client.get("/leases/terms/999999/").status_code == 404
    # A version belongs to its template: reached through another template, it does not exist.
    assert client.get(f"/leases/terms/{v1.template_id}/versions/{other.pk}/edit/").status_code == 404


# --- Making a template ---------------------------------------------------------------------------------


def test_create_a_template_with_its_version_1_through_the_page(client, staff_user):
    login(client, staff_user)
    page = client.get("/leases/terms/new/")
    assert page.status_code == 200
    html = text(page)
    for legend in ("Term and renewal", "Occupancy and monitoring", "Fee and late fees", "Notice day counts", "Resale"):
        assert f"<legend>{legend}</legend>" in html
    data = prefilled(page)
    # The domain notes' published figures, and in use from today.
    assert (data["term_years"], data["cure_days"], data["option_exercise_days"]) == ("99", "30", "45")
    assert (data["default_monthly_fee"], data["transfer_mode"]) == ("40.00", "new_lease")
    assert data["effective_from"] == today().isoformat()
    data.update(
        name="Community lease 2025",
        description="Adopted by the board in March.",
        cure_days="45",
        late_fee_kind="flat",
        late_fee_amount="25.00",
        change_reason="Board resolution 2025-03",
    )
    response = client.post("/leases/terms/new/", data)
    template = LeaseTemplate.objects.get(name="Community lease 2025")
    assert response.status_code == 302 and response["Location"] == f"/leases/terms/{template.pk}/"
    assert template.description == "Adopted by the board in March."
    version = template.versions.get()
    assert (version.version, version.effective_from, version.cure_days, version.term_years) == (1, today(), 45, 99)
    assert (version.late_fee_kind, version.late_fee_amount, version.grace_days) == ("flat", Decimal("25.00"), 14)
    made = version.history.get()
    assert (made.history_user, made.history_change_reason) == (staff_user, "Board resolution 2025-03")
    assert template.history.get().history_change_reason == "Board resolution 2025-03"


def test_a_template_name_already_taken_is_refused_on_its_field(client, staff_user, v1):
    login(client, staff_user)
    data = prefilled(client.get("/leases/terms/new/"))
    data.update(name="Model lease 2018", change_reason="copy")
    response = client.post("/leases/terms/new/", data)
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["name"][0]
    assert 'id="id_name_error"' in text(response)
    assert LeaseTemplate.objects.count() == 1


def test_a_new_template_with_terms_that_cannot_work_is_not_kept(client, staff_user):
    login(client, staff_user)
    data = prefilled(client.get("/leases/terms/new/"))
    data.update(name="Broken lease", late_fee_kind="flat", late_fee_amount="0.00", change_reason="try")
    response = client.post("/leases/terms/new/", data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["late_fee_amount"]
    # The template was saved before its version failed; the transaction takes both back.
    assert not LeaseTemplate.objects.filter(name="Broken lease").exists()
    assert not LeaseTemplateVersion.objects.exists()


# --- A new version ----------------------------------------------------------------------------------------


def test_a_new_version_changes_the_terms_of_new_leases_only(client, staff_user, v1, lease_on_v1):
    login(client, staff_user)
    page = client.get(f"/leases/terms/{v1.template_id}/versions/new/")
    assert page.status_code == 200
    assert "Prefilled from version 1" in text(page)
    data = prefilled(page)
    assert (data["cure_days"], data["term_years"], data["effective_from"]) == ("30", "99", today().isoformat())
    data.update(cure_days="45", change_reason="Cure period lengthened by the board")
    response = client.post(f"/leases/terms/{v1.template_id}/versions/new/", data)
    assert response.status_code == 302 and response["Location"] == f"/leases/terms/{v1.template_id}/"
    v2 = v1.template.versions.get(version=2)
    assert (v2.cure_days, v2.effective_from) == (45, today())
    # Every other term is the same as version 1's.
    for name in TERM_FIELDS:
        if name not in ("cure_days", "effective_from"):
            assert getattr(v2, name) == getattr(v1, name), name
    assert v2.history.get().history_change_reason == "Cure period lengthened by the board"

    # The lease signed under version 1 keeps its 30 days: a notice of default received yesterday is cured
    # within 30 days of its receipt, not 45.
    lease_on_v1.refresh_from_db()
    assert lease_on_v1.template_version_id == v1.pk
    assert lease_on_v1.template_version.cure_days == 30
    received = today() - dt.timedelta(days=1)
    services.lease_event_record(
        lease=lease_on_v1,
        kind="default_notice_sent",
        actor=staff_user,
        reason="Fees unpaid",
        received_on=received,
        data={"breach": "Fees unpaid"},
    )
    assert Deadline.objects.get(lease=lease_on_v1, kind="cure").due == received + dt.timedelta(days=30)
    # A lease made now with version 2 has 45.
    assert make_lease(version=v2).template_version.cure_days == 45


def test_a_late_fee_rule_that_cannot_work_shows_on_its_field_and_saves_nothing(client, staff_user, v1):
    login(client, staff_user)
    data = prefilled(client.get(f"/leases/terms/{v1.template_id}/versions/new/"))
    data.update(late_fee_kind="flat", late_fee_amount="0.00", change_reason="Flat late fee")
    response = client.post(f"/leases/terms/{v1.template_id}/versions/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["late_fee_amount"]
    html = text(response)
    # Next to its field, announced, and the values typed are kept.
    field_html = html[html.index('id="id_late_fee_amount"') :]
    assert 'id="id_late_fee_amount_error" role="alert"' in field_html[: field_html.index("</div>") + 200]
    assert errors["late_fee_amount"][0] in html
    assert 'value="flat" selected' in html
    assert v1.template.versions.count() == 1


def test_a_new_version_needs_a_reason(client, staff_user, v1):
    login(client, staff_user)
    data = prefilled(client.get(f"/leases/terms/{v1.template_id}/versions/new/"))
    data.update(cure_days="45", change_reason="")
    response = client.post(f"/leases/terms/{v1.template_id}/versions/new/", data)
    assert response.status_code == 200 and "change_reason" in response.context["form"].errors
    assert v1.template.versions.count() == 1


# --- Correcting a version -------------------------------------------------------------------------------


def test_a_version_in_use_cannot_be_edited_and_the_page_offers_a_new_version(client, staff_user, v1, lease_on_v1):
    url = f"/leases/terms/{v1.template_id}/versions/{v1.pk}/edit/"
    login(client, staff_user)
    page = client.get(url)
    assert page.status_code == 200
    html = text(page)
    assert "Version 1 is in use by 1 lease, so its terms cannot change" in html
    assert f'href="/leases/terms/{v1.template_id}/versions/new/">New version</a>' in html
    assert 'name="cure_days"' not in html  # no form to fill in for nothing
    history_before = v1.history.count()

    # A POST all the same (an old tab, a crafted request) answers with the service's refusal.
    data = form_data(v1)
    data.update(max_increase_pct="", max_increases_per_year="", cure_days="60", change_reason="Longer cure")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Version 1 is in use by 1 lease and cannot change" in text(response)
    v1.refresh_from_db()
    assert v1.cure_days == 30
    assert v1.history.count() == history_before
    assert v1.template.versions.count() == 1


def test_a_version_no_lease_uses_can_be_corrected(client, staff_user, v1, lease_on_v1):
    v2 = services.template_version_create(template=v1.template, actor=None, reason="draft", cure_days=45)
    url = f"/leases/terms/{v1.template_id}/versions/{v2.pk}/edit/"
    login(client, staff_user)
    page = client.get(url)
    assert page.status_code == 200
    data = prefilled(page)
    assert data["cure_days"] == "45"
    data.update(cure_days="40", change_reason="Typo: the board adopted 40 days")
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"/leases/terms/{v1.template_id}/"
    v2.refresh_from_db()
    assert (v2.version, v2.cure_days) == (2, 40)
    assert v2.history.latest().history_change_reason == "Typo: the board adopted 40 days"
    assert v1.template.versions.count() == 2

    # Once a lease uses it, it is fixed too.
    make_lease(version=v2)
    assert "is in use by 1 lease" in text(client.get(url))


# --- The side-by-side page and the list -----------------------------------------------------------------------


def test_side_by_side_shows_both_values_of_a_changed_term(client, staff_user, v1, lease_on_v1):
    services.template_version_create(
        template=v1.template, actor=staff_user, reason="Board resolution 2025-03", cure_days=45
    )
    login(client, staff_user)
    response = client.get(f"/leases/terms/{v1.template_id}/")
    assert response.status_code == 200
    html = text(response)
    cure = row(html, "cure_days")
    assert "Cure period (days)" in cure
    cells = cure.split("<td>")[1:]
    assert cells[0].startswith("30</td>")
    assert "<mark>45</mark>" in cells[1] and "(changed; was 30)" in cells[1]
    assert "changed" not in row(html, "term_years")  # an unchanged term is not marked
    assert row(html, "default_monthly_fee").count("$40.00") == 2
    assert row(html, "certification_month").count("<td>January</td>") == 2
    assert row(html, "max_increase_pct").count("<td>no limit</td>") == 2
    assert "1 term changed" in html
    assert "in use by 1 lease" in html  # version 1
    v2 = v1.template.versions.get(version=2)
    assert f'href="/leases/terms/{v1.template_id}/versions/{v2.pk}/edit/"' in html  # version 2 can be corrected
    assert f'href="/leases/terms/{v1.template_id}/versions/{v1.pk}/edit/"' not in html
    assert "Board resolution 2025-03" in html  # why version 2 was made


def test_list_shows_each_template_with_its_versions_and_their_use(client, staff_user, v1, lease_on_v1):
    make_lease(version=v1)
    v2 = services.template_version_create(template=v1.template, actor=None, reason="draft", cure_days=45)
    make_template_version("Co-op lease")
    login(client, staff_user)
    html = text(client.get("/leases/terms/"))
    assert 'href="/leases/terms/new/">New lease template</a>' in html
    assert html.index(">Co-op lease<") < html.index(">Model lease 2018<")  # by name
    start = html.index(">Model lease 2018<")
    model = html[start : html.index("</section>", start)]
    version_rows = model.split('<th scope="row">')[1:]
    assert [r[: r.index("</th>")] for r in version_rows] == ["Version 2", "Version 1"]
    assert '<td class="num">0</td>' in version_rows[0] and "not in use" in version_rows[0]
    assert f"/versions/{v2.pk}/edit/" in version_rows[0]
    assert '<td class="num">2</td>' in version_rows[1] and '<span class="badge">in use</span>' in version_rows[1]
    assert "/edit/" not in version_rows[1]
    # Reached from the lease list.
    assert 'href="/leases/terms/">Lease terms</a>' in text(client.get("/leases/"))


def test_list_queries_do_not_grow_with_templates(client, staff_user, django_assert_max_num_queries):
    def add_templates(first: int, count: int) -> None:
        for n in range(first, first + count):
            version = make_template_version(f"Lease {n:02d}")
            services.template_version_create(template=version.template, actor=None, reason="v2", cure_days=45)
            make_lease(version=version)

    add_templates(0, 2)
    login(client, staff_user).get("/leases/terms/")
    with CaptureQueriesContext(connection) as few:
        client.get("/leases/terms/")
    add_templates(2, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/leases/terms/")
    assert text(response).count("Version 2</th>") == 8
    assert len(many) == len(few)
    # Session, user and roles, the templates, their versions with lease counts: 6 however many templates.
    with django_assert_max_num_queries(6):
        client.get("/leases/terms/")


# --- The API ------------------------------------------------------------------------------------------------


def test_api_staff_make_a_template_with_its_version_1(staff_api, staff_user):
    response = staff_api.post(
        "/api/v1/lease-templates/",
        {
            "name": "Community lease 2025",
            "description": "Adopted in March.",
            "terms": {"cure_days": 45, "late_fee_kind": "flat", "late_fee_amount": "25.00"},
            "change_reason": "Board resolution 2025-03",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["description"]) == ("Community lease 2025", "Adopted in March.")
    assert body["versions"] == [
        {"id": body["versions"][0]["id"], "version": 1, "effective_from": today().isoformat(), "in_use": False}
    ]
    assert "terms" not in body and "change_reason" not in body
    version = LeaseTemplateVersion.objects.get(pk=body["versions"][0]["id"])
    assert (version.cure_days, version.late_fee_kind, version.late_fee_amount) == (45, "flat", Decimal("25.00"))
    assert (version.term_years, version.option_exercise_days, version.default_monthly_fee) == (99, 45, Decimal("40"))
    made = version.history.get()
    assert (made.history_user, made.history_change_reason) == (staff_user, "Board resolution 2025-03")
    # Listed as before, with its version.
    listed = staff_api.get("/api/v1/lease-templates/", {"name": "Community lease 2025"}).json()["results"]
    assert [v["version"] for v in listed[0]["versions"]] == [1]


def test_api_terms_are_optional(staff_api):
    response = staff_api.post(
        "/api/v1/lease-templates/", {"name": "Plain lease", "change_reason": "Starting point"}, format="json"
    )
    assert response.status_code == 201, response.content
    template = LeaseTemplate.objects.get(name="Plain lease")
    version = template.versions.get()
    assert (template.description, version.version, version.effective_from) == ("", 1, today())
    assert (version.cure_days, version.term_years, version.late_fee_kind) == (30, 99, "none")
    assert version.history.get().history_change_reason == "Starting point"


@pytest.mark.parametrize("role", ["anonymous", "member", "homeowner", "other_homeowner", "board"])
def test_api_only_staff_make_templates(api_for, role):
    client = api_for(role)  # a homeowner's fixture makes their lease, and its template, first
    before = LeaseTemplate.objects.count()
    response = client.post("/api/v1/lease-templates/", {"name": "Hijack", "change_reason": "x"}, format="json")
    assert response.status_code in ((401, 403) if role == "anonymous" else (403,))
    assert LeaseTemplate.objects.count() == before
    assert not LeaseTemplate.objects.filter(name="Hijack").exists()


def test_api_a_name_already_taken_is_400_on_name(staff_api, v1):
    response = staff_api.post(
        "/api/v1/lease-templates/", {"name": "Model lease 2018", "change_reason": "copy"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["name"] and "already exists" in response.json()["name"][0]
    assert LeaseTemplate.objects.count() == 1 and LeaseTemplateVersion.objects.count() == 1


def test_api_terms_that_cannot_work_are_400_under_terms_and_nothing_is_kept(staff_api):
    response = staff_api.post(
        "/api/v1/lease-templates/",
        {"name": "Broken", "terms": {"late_fee_kind": "flat", "late_fee_amount": "0.00"}, "change_reason": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["terms"] and list(response.json()["terms"]) == ["late_fee_amount"]
    assert not LeaseTemplate.objects.exists() and not LeaseTemplateVersion.objects.exists()
    bad_type = staff_api.post(
        "/api/v1/lease-templates/", {"name": "Broken", "terms": {"cure_days": -1}, "change_reason": "x"}, format="json"
    )
    assert bad_type.status_code == 400 and "cure_days" in bad_type.json()["terms"]
    assert not LeaseTemplate.objects.exists()
