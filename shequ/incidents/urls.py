from django.urls import path

from shequ.incidents import files, views, views_config, views_dashboard

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.report, name="report"),
    path("report/duplicates/", views.report_duplicates, name="report_duplicates"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("photos/<int:pk>/", files.photo, name="photo"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("config/categories/", views_config.categories, name="categories"),
    path("config/categories/<int:pk>/", views_config.category_edit, name="category_edit"),
    path("config/departments/", views_config.departments, name="departments"),
    path("config/departments/<int:pk>/", views_config.department_edit, name="department_edit"),
    path("config/holidays/", views_config.holidays, name="holidays"),
]
