from django.urls import path

from shequ.registry.importing import export_views, views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("jobs/<uuid:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/commit/", views.commit, name="commit"),
    path("jobs/<uuid:job_id>/report/", views.report, name="report"),
    path("templates/<str:kind>/", views.template, name="template"),
    path("export/residents/", export_views.export_residents, name="export_residents"),
    path("export/households/", export_views.export_households, name="export_households"),
    path("export/buildings/", export_views.export_buildings, name="export_buildings"),
    path("export/units/", export_views.export_units, name="export_units"),
    path("export/jobs/<uuid:job_id>/", export_views.export_job, name="export_job"),
    path("export/jobs/<uuid:job_id>/status/", export_views.export_job_status, name="export_job_status"),
    path("export/jobs/<uuid:job_id>/download/", export_views.export_download, name="export_download"),
]
