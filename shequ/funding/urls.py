from django.urls import path

from shequ.funding import views

app_name = "funding"
urlpatterns = [
    path("", views.index, name="index"),
    path("community/<str:code>/", views.community, name="community"),
    path("community/<str:code>/operating/new/", views.operating_new, name="operating_new"),
    path("operating/<int:pk>/edit/", views.operating_edit, name="operating_edit"),
    path("operating/<int:pk>/delete/", views.operating_delete, name="operating_delete"),
    path("community/<str:code>/projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/delete/", views.project_delete, name="project_delete"),
]
