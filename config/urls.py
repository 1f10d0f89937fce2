from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from shequ.accounts import views as account_views
from shequ.core.api import api_fallback, sectioned_urls

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", sectioned_urls()),
    re_path(r"^api/v1/", api_fallback),  # after every operation: slash variants and unknown paths
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False), name="api-docs"),
    path("areas/", include("shequ.areas.urls")),
    path("registry/import/", include("shequ.registry.importing.urls")),
    path("registry/", include("shequ.registry.urls")),
    path("accounts/", include("shequ.accounts.urls")),
    path("audit/", include("shequ.core.urls")),
    path("standards/policies/", include("shequ.standards.urls_policy")),
    path("standards/bulk/", include("shequ.standards.bulk.urls")),
    path("standards/", include("shequ.standards.urls")),
    path("facilities/", include("shequ.facilities.urls")),
    path("funding/", include("shequ.funding.urls")),
    path("governance/", include("shequ.governance.urls")),
    path("grids/", include("shequ.grids.urls")),
    path("incidents/", include("shequ.incidents.urls")),
    path("open311/v2/", include("shequ.incidents.open311.urls")),
    path("elections/", include("shequ.elections.urls")),
    path("disclosure/", include("shequ.disclosure.urls")),
]
