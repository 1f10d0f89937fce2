"""Reads behind the compliance dashboards: figures per rule, per child area and per year, the communities
behind a figure, one community's evidence. Every read is cut to the viewer's subtree (Perm.STANDARDS_VIEW on
ComplianceResult.area_code) and aggregated in the database: the number of queries does not grow with the
number of communities (DESIGN.md §3, convention 7 — results carry the community's code, so a roll-up is a
prefix filter and a GROUP BY on a code prefix, never a recursion).

catalogue: rules, units, the shapes of figures · base: scope, area, the results, the cache · figures: the
digest and the dashboard summary · lists: drill-down, problems-report names, one community's evidence.
"""

from shequ.standards.selectors.base import (
    area_name,
    cache_clear,
    cache_seconds,
    cached,
    compliance_results,
    results_version,
    standards_area,
    standards_crumbs,
    tally_rows,
    year_bounds,
)
from shequ.standards.selectors.catalogue import (
    CHILD_LENGTH,
    DASHBOARD_LEVELS,
    NAMES_PER_GROUP,
    RULE_BY_CODE,
    RULES,
    STATUS_NAME,
    STATUS_PARAM,
    UNITS,
    ChildFigure,
    Digest,
    Rule,
    ShortGroup,
    Summary,
    Tally,
)
from shequ.standards.selectors.figures import child_tallies, compliance_summary, figures_digest
from shequ.standards.selectors.lists import (
    SORTS,
    Evidence,
    community_evidence,
    missing_item_counts,
    rule_communities,
    short_names,
)

__all__ = [
    "CHILD_LENGTH", "DASHBOARD_LEVELS", "NAMES_PER_GROUP", "RULES", "RULE_BY_CODE", "SORTS", "STATUS_NAME",
    "STATUS_PARAM", "UNITS", "ChildFigure", "Digest", "Evidence", "Rule", "ShortGroup", "Summary", "Tally",
    "area_name", "cache_clear", "cache_seconds", "cached", "child_tallies", "community_evidence",
    "compliance_results", "compliance_summary", "figures_digest", "missing_item_counts", "results_version",
    "rule_communities", "short_names", "standards_area", "standards_crumbs", "tally_rows", "year_bounds",
]  # fmt: skip
