"""On a phone-width screen: the map draws the buildings coloured by grid and the outlines (no tile server),
a preview recolours the map, and moving a building from its map popup updates the table and its marker."""

from __future__ import annotations

from shequ.areas.models import Area, Level
from shequ.core.testing.browser import browser_test, log_in
from shequ.grids.tests.helpers import PHONE, regridded_town
from shequ.registry.models import Building


@browser_test
def test_map_preview_and_move_on_a_phone(live_server, world, page_for):
    regridded_town(world)
    located = Building.objects.filter(community=world.community, latitude__isnull=False).count()

    page = page_for(**PHONE)
    log_in(page, live_server.url, "community_worker")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/grids/community/{world.community.code}/")
    page.locator("#grids-map path.leaflet-interactive").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    grids = Area.objects.filter(parent=world.community, level=Level.GRID, grid_profile__households__gt=0).count()
    # one circle per located building and one outline per grid with buildings
    assert page.locator("#grids-map path.leaflet-interactive").count() == located + grids
    assert errors == []

    page.get_by_role("button", name="预览划分方案").click()
    page.locator("#grids-preview table").wait_for()
    assert page.locator("#grids-map").get_attribute("data-mode") == "preview"

    building = Building.objects.filter(community=world.community, latitude__isnull=False).order_by("pk").first()
    target = Area.objects.filter(parent=world.community, level=Level.GRID).exclude(pk=building.grid_id).first()
    page.locator("#grids-move-building").select_option(str(building.pk))
    page.locator("#grids-move select[name=grid]").select_option(target.code)
    with page.expect_response(lambda r: "/move/" in r.url):
        page.locator("#grids-move").get_by_role("button", name="调整").click()
    page.wait_for_function(f"document.querySelector('#grids-move-building option[value=\"{building.pk}\"]')"
                           f".textContent.endsWith('（{target.code[12:]}）')")
    building.refresh_from_db()
    assert building.grid_id == target.pk
