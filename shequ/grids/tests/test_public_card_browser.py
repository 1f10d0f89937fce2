"""On a phone, without signing in: the grid's public card draws the grid's outline (no tile server) and the
worker's and complaint phones are tappable links."""

from __future__ import annotations

from shequ.areas.models import Area, Level
from shequ.core.testing.browser import browser_test
from shequ.grids import services
from shequ.grids.tests.helpers import PHONE, regridded_town


@browser_test
def test_public_card_on_a_phone(live_server, world, page_for):
    regridded_town(world)
    grid = Area.objects.filter(parent=world.community, level=Level.GRID, grid_profile__outline__type="Polygon"
                               ).order_by("code").first()
    services.grid_profile_update(actor=world.worker, grid=grid, worker=world.worker, worker_phone="13800001111",
                                 complaint_phone="0738-8123456")

    page = page_for(**PHONE)  # nobody signed in
    errors = []  # script errors, and failed loads other than the favicon (the site has none)
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(f"{live_server.url}/grids/public/{grid.code}/")
    page.locator("#grids-map path.leaflet-interactive").first.wait_for()
    assert page.locator("#grids-map path.leaflet-interactive").count() == 1  # the outline, no buildings
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator('a[href="tel:0738-8123456"]').is_visible()
    assert page.locator('a[href="tel:13800001111"]').is_visible()
    assert errors == []
