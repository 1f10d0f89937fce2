from django.urls import path

from shequ.grids import views

app_name = "grids"
urlpatterns = [
    path("", views.index, name="index"),
    path("public/<str:code>/", views.public_card, name="public_card"),  # no login
    path("community/<str:code>/", views.community, name="community"),
    path("community/<str:code>/generate/", views.generate, name="generate"),
    path("buildings/<int:pk>/move/", views.move_building, name="move_building"),
    path("bulk/", views.generate_area, name="generate_area"),
    path("jobs/<str:pk>/", views.job, name="job"),
    path("<str:code>/", views.card, name="card"),
    path("<str:code>/edit/", views.profile_edit, name="profile_edit"),
]
