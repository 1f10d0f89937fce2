from django.urls import path

from shequ.standards.bulk import views

app_name = "bulk"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("jobs/<uuid:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/commit/", views.commit, name="commit"),
    path("jobs/<uuid:job_id>/report/", views.report, name="report"),
    path("templates/<str:kind>/<str:fmt>/", views.template, name="template"),
]
