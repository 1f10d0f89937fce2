from django.urls import path
from django.views.generic import RedirectView

from shequ.governance import views, views_actions

app_name = "governance"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="governance:index", permanent=False), name="home"),
    path("staff/", views.index, name="index"),
    path("community/<str:code>/staff/", views.staff, name="staff"),
    path("community/<str:code>/staff/new/", views.worker_new, name="worker_new"),
    path("community/<str:code>/residents/", views.resident_search, name="resident_search"),
    path("workers/<int:pk>/edit/", views.worker_edit, name="worker_edit"),
    path("workers/<int:pk>/end/", views.worker_end, name="worker_end"),
    path("workers/<int:pk>/delete/", views.worker_delete, name="worker_delete"),
    path("workers/<int:pk>/evaluations/", views_actions.evaluation_record, name="evaluation_record"),
    path("evaluations/<int:pk>/delete/", views_actions.evaluation_delete, name="evaluation_delete"),
    path("worklist/", views_actions.worklist, name="worklist"),
    path("actions/<int:pk>/resolve/", views_actions.action_resolve, name="action_resolve"),
]
