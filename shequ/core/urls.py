from django.urls import path

from shequ.core import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
]
