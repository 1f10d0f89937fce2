"""On a phone-width screen: record premises with rooms, upload a photo and see its thumbnail, read the funds
table — without the page scrolling sideways."""

from __future__ import annotations

from shequ.core.testing.browser import browser_test, log_in
from shequ.facilities.models import Premises
from shequ.facilities.tests.helpers import image_bytes
from shequ.funding import services as fund_services

PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@browser_test
def test_record_premises_and_photo_on_a_phone(live_server, world, page_for, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    page = page_for(**PHONE)
    log_in(page, live_server.url, "community_worker")
    page.goto(f"{live_server.url}/facilities/community/{world.community.code}/")
    assert no_sideways_scroll(page)
    page.get_by_role("link", name="登记服务用房").click()
    page.fill("#id_address", "长青路8号")
    page.fill("#id_floor_area_m2", "620")
    page.fill("#id_service_centre_m2", "80")
    page.fill("#id_year_from", "2016")
    page.get_by_label("党群活动室", exact=True).check()
    page.fill("#id_room_0_m2", "60")
    page.get_by_label("警务室", exact=True).check()
    page.get_by_label("社区标识").check()
    page.get_by_label("社区党组织").check()
    assert no_sideways_scroll(page)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(lambda url: "/facilities/community/" in url)
    premises = Premises.objects.get()
    assert {r.name for r in premises.rooms.all()} == {"党群活动室", "警务室"}

    photo = tmp_path / "front.png"
    photo.write_bytes(image_bytes("PNG", size=(800, 600)))
    section = page.locator(f"#premises-{premises.pk}")
    section.locator("input[type=file]").set_input_files(str(photo))
    section.locator("input[name=caption]").fill("正门")
    section.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    thumb = page.locator(f"#premises-{premises.pk} img.fac-thumb")
    thumb.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    assert no_sideways_scroll(page)

    fund_services.operating_fund_create(
        actor=world.worker, community=world.community, year=2020, source="district", amount=150000
    )
    fund_services.operating_fund_create(
        actor=world.worker, community=world.community, year=2020, source="city", amount=60000
    )
    page.goto(f"{live_server.url}/funding/community/{world.community.code}/")
    assert "210,000.00" in page.content()
    assert no_sideways_scroll(page)
