"""Staff log in, open the map, see the parcels, open one."""

from __future__ import annotations

import pytest

from properties import services
from tests.browser.axe import violations
from tests.conftest import make_user
from tests.factories import make_grid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-" + username)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base_url + "/")


def test_staff_open_the_map_see_parcels_and_open_one(page, live_server):
    staff = make_user("mapper", groups=("staff",))
    make_grid(12, actor=staff, prefix="MAP-")
    log_in(page, live_server.url, "mapper")
    page.get_by_role("link", name="Map", exact=True).click()
    status = page.locator("#map-status")
    status.filter(has_text="12 parcels in view").wait_for()
    # The map drew them (Leaflet's canvas renderer holds the shapes) and the list names them.
    assert page.locator("#parcel-map canvas").count() >= 1
    links = page.locator("#map-list a")
    assert links.count() == 12
    first = links.filter(has_text="MAP-00003")
    first.click()
    page.wait_for_url(f"{live_server.url}/parcels/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Parcel MAP-00003"
    assert page.locator("#parcel-map .leaflet-interactive").count() == 1  # the boundary on the small map


def test_a_town_too_large_for_points_is_drawn_as_clusters_that_zoom_in(page, live_server, monkeypatch):
    from properties import mapdata

    monkeypatch.setattr(mapdata, "CLUSTER_ABOVE", 5)
    staff = make_user("clusters", groups=("staff",))
    make_grid(12, actor=staff, prefix="CL-")
    page.route("https://tile.openstreetmap.org/**", lambda route: route.fulfill(status=204, body=""))
    log_in(page, live_server.url, "clusters")
    page.goto(live_server.url + "/parcels/map/")
    page.locator("#map-status").filter(has_text="12 parcels in view").wait_for()  # fitted: polygons, close up
    zoom_out = page.get_by_role("button", name="Zoom out")
    for _ in range(4):
        zoom_out.click()
        page.wait_for_timeout(300)
    cluster = page.locator("#parcel-map .map-cluster").first
    cluster.wait_for()
    page.locator("#map-status").filter(has_text="12 parcels in view").wait_for()
    assert "groups" in page.locator("#map-status").inner_text()
    counts = [int(text.replace(",", "")) for text in page.locator("#parcel-map .map-cluster").all_inner_texts()]
    assert sum(counts) + page.locator("#map-list a").count() == 12
    assert cluster.get_attribute("title").endswith("parcels here: zoom in to see them")
    # The last zoom's refresh may still be on its way (150 ms after the animation ends): let it land
    # before the server stops clustering, or it redraws the map without the cluster about to be clicked.
    page.wait_for_timeout(1000)
    cluster.wait_for()
    monkeypatch.setattr(mapdata, "CLUSTER_ABOVE", 1000)
    cluster.click()
    # Zoomed to the cluster's cell: its parcels are now served one by one and listed beside the map.
    page.locator("#map-list a").first.wait_for()
    assert page.locator("#parcel-map .map-cluster").count() == 0


def test_pages_fit_a_phone_and_start_with_a_skip_link(browser, live_server):
    staff = make_user("phone", groups=("staff",))
    make_grid(4, actor=staff, prefix="PH-")
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    context.route("https://tile.openstreetmap.org/**", lambda route: route.fulfill(status=204, body=""))
    page = context.new_page()
    try:
        log_in(page, live_server.url, "phone")
        for path in ("/", "/parcels/", "/parcels/map/"):
            page.goto(live_server.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is wider than the phone by {overflow}px"
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Skip to main content"
    finally:
        context.close()


def test_anonymous_visitors_only_reach_the_login_page(page, live_server):
    page.goto(live_server.url + "/parcels/map/")
    assert page.url.startswith(live_server.url + "/login/")
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"


@pytest.mark.parametrize("width", [1280, 375])
def test_the_parcel_page_and_the_map_have_no_serious_accessibility_violation(browser, live_server, width):
    # axe once reported "nested-interactive" on the parcel page at both widths: its map was role="img"
    # while Leaflet made it and its zoom buttons focusable (issue 14 §8).
    staff = make_user("axe-" + str(width), groups=("staff",))
    parcels = make_grid(2, actor=staff, prefix="AX-")
    unit = services.unit_create(actor=staff, reason="t", parcel=parcels[0], address="1 Axe St", bedrooms=3)
    context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 600)
    context.route("https://tile.openstreetmap.org/**", lambda route: route.fulfill(status=204, body=""))
    page = context.new_page()
    try:
        log_in(page, live_server.url, staff.username)
        page.goto(live_server.url + unit.get_absolute_url())
        page.locator("#parcel-map .leaflet-interactive").wait_for()
        assert violations(page) == []
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        page.goto(live_server.url + "/parcels/map/")
        page.locator("#map-status").filter(has_text="2 parcels in view").wait_for()
        assert violations(page) == []
    finally:
        context.close()
