"""Every registry and area page renders for a community worker, and shows what it should."""

import pytest
from django.urls import reverse


@pytest.fixture
def worker_client(client, world):
    client.force_login(world.worker)
    return client


def test_every_page_renders(worker_client, world):
    urls = [
        reverse("registry:resident_list"),
        reverse("registry:resident_create"),
        reverse("registry:resident_detail", args=[world.wang.pk]),
        reverse("registry:resident_edit", args=[world.wang.pk]),
        reverse("registry:resident_move", args=[world.wang.pk]),
        reverse("registry:household_list"),
        reverse("registry:household_create"),
        reverse("registry:household_detail", args=[world.household.pk]),
        reverse("registry:household_edit", args=[world.household.pk]),
        reverse("registry:building_list"),
        reverse("registry:building_create"),
        reverse("registry:building_detail", args=[world.building.pk]),
        reverse("registry:building_edit", args=[world.building.pk]),
        reverse("registry:building_options") + "?area=" + world.community.code,
        reverse("registry:unit_list"),
        reverse("registry:unit_create"),
        reverse("areas:index"),
        reverse("areas:detail", args=[world.community.code]),
        reverse("areas:detail", args=[world.grid.code]),
    ]
    for url in urls:
        response = worker_client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:2000])
