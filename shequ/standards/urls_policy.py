"""/standards/policies/: policy sets and their versions."""

from django.urls import path

from shequ.standards import views_policy as views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("<int:pk>/", views.policy_detail, name="detail"),
    path("<int:pk>/versions/new/", views.policy_version_new, name="version_new"),
    path("versions/<int:pk>/edit/", views.policy_version_edit, name="version_edit"),
    path("versions/<int:pk>/delete/", views.policy_version_delete, name="version_delete"),
]
