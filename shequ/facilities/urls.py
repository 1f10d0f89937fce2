from django.urls import path

from shequ.facilities import files, views

app_name = "facilities"
urlpatterns = [
    path("", views.index, name="index"),
    path("community/<str:code>/", views.community, name="community"),
    path("community/<str:code>/premises/new/", views.premises_new, name="premises_new"),
    path("premises/<int:pk>/edit/", views.premises_edit, name="premises_edit"),
    path("premises/<int:pk>/delete/", views.premises_delete, name="premises_delete"),
    path("premises/<int:pk>/photos/new/", views.photo_add, name="photo_add"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("photos/<int:pk>/file/", files.photo_file, name="photo_file"),
    path("photos/<int:pk>/thumb/", files.photo_thumb, name="photo_thumb"),
]
