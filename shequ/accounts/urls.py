from django.urls import path

from shequ.accounts import views

app_name = "accounts"
urlpatterns = [
    path("password/", views.password_change, name="password_change"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", views.user_role_add, name="user_role_add"),
    path("users/<int:pk>/roles/<int:assignment_id>/remove/", views.user_role_remove, name="user_role_remove"),
    path("users/<int:pk>/deactivate/", views.user_set_active, {"active": False}, name="user_deactivate"),
    path("users/<int:pk>/activate/", views.user_set_active, {"active": True}, name="user_activate"),
    path("users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/tokens/", views.user_token_create, name="user_token_create"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
