from django.urls import path

from shequ.areas import views

app_name = "areas"
urlpatterns = [
    path("", views.area_index, name="index"),
    path("<str:code>/", views.area_detail, name="detail"),
    path("<str:code>/kind/", views.area_set_kind_view, name="set_kind"),
    path("<str:code>/children/new/", views.area_create_child, name="create_child"),
]
