"""Roles of DESIGN.md §2 and what each may do. Every role is bound to areas; see accounts.scope."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市民政局管理员")
    CITY_ANALYST = "city_analyst", _("市级分析员")
    DISTRICT_OFFICER = "district_officer", _("区县干部")
    SUBDISTRICT_OFFICER = "subdistrict_officer", _("街道（乡镇）干部")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    GRID_WORKER = "grid_worker", _("网格员")
    RESIDENT = "resident", _("居民")
    AUDITOR = "auditor", _("审计员")
    MACHINE_CLIENT = "machine_client", _("系统接口客户端")


class Perm:
    REGISTRY_VIEW = "registry.view"
    REGISTRY_CHANGE = "registry.change"
    REGISTRY_IMPORT = "registry.import"
    REGISTRY_EXPORT = "registry.export"
    REGISTRY_UNMASK = "registry.unmask"
    AREAS_CHANGE = "areas.change"
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    OWN_HOUSEHOLD = "registry.own_household"
    STANDARDS_VIEW = "standards.view"  # compliance dashboards, facilities, staff, funds
    STANDARDS_CHANGE = "standards.change"  # enter facilities, staff, evaluations, funds
    POLICY_CHANGE = "standards.policy"  # new versions of policy sets
    ACTIONS_RESOLVE = "governance.actions"  # record the outcome of an action item
    GRIDS_VIEW = "grids.view"  # grids, maps, grid dashboards
    GRIDS_CHANGE = "grids.change"  # partition a community, move buildings, assign grid workers
    INCIDENT_VIEW = "incidents.view"  # cases in the subtree
    INCIDENT_REPORT = "incidents.report"  # report a case
    INCIDENT_HANDLE = "incidents.handle"  # open, reject, dispatch, handle, check, close, escalate, merge
    INCIDENT_CONFIGURE = "incidents.configure"  # categories, time limits, departments, holidays
    ELECTIONS_VIEW = "elections.view"  # elections and oversight dashboards in the subtree
    ELECTIONS_RUN = "elections.run"  # the election committee's work: roll, nomination, boxes, tallies, count
    ELECTIONS_MANAGE = "elections.manage"  # campaigns; create elections, set mode, seats and day
    ELECTIONS_VOTE = "elections.vote"  # a verified resident votes online in its own community's elections


_OFFICER = {
    Perm.REGISTRY_VIEW,
    Perm.REGISTRY_CHANGE,
    Perm.REGISTRY_IMPORT,
    Perm.REGISTRY_EXPORT,
    Perm.REGISTRY_UNMASK,
    Perm.USERS_MANAGE,
    Perm.AREAS_CHANGE,
    Perm.STANDARDS_VIEW,
    Perm.STANDARDS_CHANGE,
    Perm.GRIDS_VIEW,
    Perm.GRIDS_CHANGE,
    Perm.INCIDENT_VIEW,
    Perm.INCIDENT_REPORT,
    Perm.INCIDENT_HANDLE,
    Perm.ELECTIONS_VIEW,
    Perm.ELECTIONS_RUN,
    Perm.ELECTIONS_MANAGE,
}

ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset(
        _OFFICER | {Perm.AUDIT_VIEW, Perm.POLICY_CHANGE, Perm.ACTIONS_RESOLVE, Perm.INCIDENT_CONFIGURE}
    ),
    Role.CITY_ANALYST: frozenset(
        {Perm.REGISTRY_VIEW, Perm.REGISTRY_EXPORT, Perm.STANDARDS_VIEW, Perm.GRIDS_VIEW, Perm.INCIDENT_VIEW,
         Perm.ELECTIONS_VIEW}
    ),
    Role.DISTRICT_OFFICER: frozenset(_OFFICER | {Perm.ACTIONS_RESOLVE, Perm.INCIDENT_CONFIGURE}),
    Role.SUBDISTRICT_OFFICER: frozenset(_OFFICER | {Perm.ACTIONS_RESOLVE}),
    Role.COMMUNITY_WORKER: frozenset(
        {
            Perm.REGISTRY_VIEW,
            Perm.REGISTRY_CHANGE,
            Perm.REGISTRY_IMPORT,
            Perm.REGISTRY_EXPORT,
            Perm.REGISTRY_UNMASK,
            Perm.USERS_MANAGE,
            Perm.STANDARDS_VIEW,
            Perm.STANDARDS_CHANGE,
            Perm.GRIDS_VIEW,
            Perm.GRIDS_CHANGE,
            Perm.INCIDENT_VIEW,
            Perm.INCIDENT_REPORT,
            Perm.INCIDENT_HANDLE,
            Perm.ELECTIONS_VIEW,
            Perm.ELECTIONS_RUN,
        }
    ),
    Role.GRID_WORKER: frozenset(
        {Perm.REGISTRY_VIEW, Perm.REGISTRY_CHANGE, Perm.GRIDS_VIEW, Perm.INCIDENT_VIEW, Perm.INCIDENT_REPORT}
    ),
    # A resident reports cases and follows its own (the incidents selectors narrow INCIDENT_REPORT to them).
    Role.RESIDENT: frozenset({Perm.OWN_HOUSEHOLD, Perm.INCIDENT_REPORT, Perm.ELECTIONS_VOTE}),
    Role.AUDITOR: frozenset({Perm.AUDIT_VIEW}),
    # Machine clients read, and file cases (an Open311 integration, e.g. the 12345 hotline).
    Role.MACHINE_CLIENT: frozenset(
        {Perm.REGISTRY_VIEW, Perm.REGISTRY_EXPORT, Perm.STANDARDS_VIEW, Perm.GRIDS_VIEW, Perm.INCIDENT_VIEW,
         Perm.INCIDENT_REPORT, Perm.ELECTIONS_VIEW}
    ),
}

# The area level each role is bound to; an officer creates users only for roles ranked below its own.
ROLE_LEVEL: dict[str, str] = {
    Role.CITY_ADMIN: "city",
    Role.CITY_ANALYST: "city",
    Role.DISTRICT_OFFICER: "district",
    Role.SUBDISTRICT_OFFICER: "subdistrict",
    Role.COMMUNITY_WORKER: "community",
    Role.GRID_WORKER: "grid",
    Role.RESIDENT: "community",
    Role.AUDITOR: "city",
    Role.MACHINE_CLIENT: "city",  # the widest; accounts.policies.ROLE_LEVELS also binds it to a (sub-)district
}

ROLE_RANK: dict[str, int] = {
    Role.CITY_ADMIN: 50,
    Role.DISTRICT_OFFICER: 40,
    Role.SUBDISTRICT_OFFICER: 30,
    Role.COMMUNITY_WORKER: 20,
    Role.CITY_ANALYST: 10,
    Role.AUDITOR: 10,
    Role.MACHINE_CLIENT: 10,
    Role.GRID_WORKER: 10,
    Role.RESIDENT: 0,
}
