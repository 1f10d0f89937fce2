"""Disclosure pages: public (no login) except `new`."""

from django.urls import path

from shequ.disclosure import views

app_name = "disclosure"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("entry/<int:pk>/", views.entry, name="entry"),
    path("<str:code>/", views.community, name="community"),
]
