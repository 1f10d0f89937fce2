"""/api/v1/elections: one sub-router per part of the procedure."""

from ninja import Router

from shequ.elections.api import candidates, overview, results, roll, tally, vote

router = Router(tags=["elections"])
for _module in (overview, roll, candidates, tally, vote, results):
    router.add_router("", _module.router)
