
app_name = "disclosure"
urlpatterns: list = []  # filled by the disclosure pages
