from django.urls import path

from shequ.areas import views

app_name = "areas"
urlpatterns = [
    path("<str:code>/", views.area_detail, name="detail"),
]
