"""Election pages: each part of the procedure has its views module with its own `urlpatterns`."""

from shequ.elections.views import candidates, kinship, overview, results, roll, tally, vote

app_name = "elections"
urlpatterns = [
    *vote.urlpatterns,
    *results.public_urlpatterns,
    *overview.urlpatterns,
    *roll.urlpatterns,
    *candidates.urlpatterns,
    *kinship.urlpatterns,
    *tally.urlpatterns,
    *results.urlpatterns,
]
