from django.urls import path

from shequ.registry import views, views_households, views_places, views_tags

app_name = "registry"
urlpatterns = [
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/move/", views.resident_move, name="resident_move"),
    path("residents/<int:pk>/unmask/", views.resident_unmask_view, name="resident_unmask"),
    path("residents/<int:pk>/tags/add/", views.resident_tag_add, name="resident_tag_add"),
    path("residents/<int:pk>/tags/remove/", views.resident_tag_remove, name="resident_tag_remove"),
    path("households/", views_households.household_list, name="household_list"),
    path("households/new/", views_households.household_create, name="household_create"),
    path("households/<int:pk>/", views_households.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views_households.household_edit, name="household_edit"),
    path("buildings/", views_places.building_list, name="building_list"),
    path("buildings/new/", views_places.building_create, name="building_create"),
    path("buildings/options/", views_households.building_options, name="building_options"),
    path("buildings/<int:pk>/", views_places.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", views_places.building_edit, name="building_edit"),
    path("units/", views_places.unit_list, name="unit_list"),
    path("units/new/", views_places.unit_create, name="unit_create"),
    path("units/<int:pk>/", views_places.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views_places.unit_edit, name="unit_edit"),
    path("tags/", views_tags.tag_list, name="tag_list"),
    path("tags/<slug:code>/edit/", views_tags.tag_edit, name="tag_edit"),
]
