from django.urls import path

from shequ.registry.importing import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("jobs/<uuid:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/commit/", views.commit, name="commit"),
    path("jobs/<uuid:job_id>/report/", views.report, name="report"),
    path("templates/<str:kind>/", views.template, name="template"),
    path("export/residents/", views.export_residents, name="export_residents"),
]
