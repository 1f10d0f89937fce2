from django.urls import path

from shequ.standards import views

app_name = "standards"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("rule/<str:rule>/", views.rule_communities, name="rule"),
    path("community/<str:code>/", views.community, name="community"),
    path("problems/", views.problems_page, name="problems"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("export.pdf", views.export_pdf, name="export_pdf"),
    path("recompute/", views.recompute, name="recompute"),
    path("recompute/<uuid:job_id>/", views.recompute_job, name="recompute_job"),
    path("recompute/<uuid:job_id>/status/", views.recompute_job_status, name="recompute_job_status"),
]
