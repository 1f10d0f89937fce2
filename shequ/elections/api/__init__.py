"""/api/v1/elections: one sub-router per part of the procedure."""

from ninja import Router

from shequ.elections.api import candidates, kinship, overview, public, results, roll, tally, vote

router = Router(tags=["elections"])
for _module in (overview, roll, candidates, kinship, tally, vote, results, public):
    router.add_router("", _module.router)
