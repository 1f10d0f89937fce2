from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.areas import selectors
from shequ.areas.models import AreaTagCount
from shequ.registry.selectors import tag_list


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = selectors.area_get(viewer=request.user, code=code)
    visible_tags = tag_list(viewer=request.user)
    tag_counts = (
        AreaTagCount.objects.filter(area=area, tag__in=visible_tags).select_related("tag").order_by("tag__code")
    )
    return render(
        request,
        "areas/detail.html",
        {
            "area": area,
            "breadcrumbs": selectors.area_breadcrumbs(area),
            "children": selectors.area_list(viewer=request.user, parent=area),
            "tag_counts": tag_counts,
        },
    )
