"""GeoReport v2 resources; the format is the extension (`services.json`, `requests/SJ…xml`), as the spec has it."""

from django.urls import path, re_path

from shequ.incidents.open311 import views

app_name = "open311"

FORMAT = r"\.(?P<fmt>[A-Za-z0-9]+)$"
urlpatterns = [
    path("", views.root, name="root"),
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+)" + FORMAT, views.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+)" + FORMAT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FORMAT, views.token_detail, name="token"),
    # Anything else under the endpoint still answers in the spec's error format.
    re_path(r"^(?P<rest>.+)$", views.unknown, name="unknown"),
]
