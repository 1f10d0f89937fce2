"""The demo's users: one per role, bound to real generated areas, all with the password shequ-demo."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from shequ.accounts.models import RoleAssignment, User
from shequ.areas.models import Area, CommunityKind, Level
from shequ.core.roles import ROLE_LEVEL, Role
from shequ.registry.generator.community import FEATURED_NAME
from shequ.registry.models import Household

DEMO_PASSWORD = "shequ-demo"  # noqa: S105 - published demo password, printed by demo_logins


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    display_name: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("city_admin", Role.CITY_ADMIN, "演示·市民政局管理员"),
    DemoUser("city_analyst", Role.CITY_ANALYST, "演示·市级分析员"),
    DemoUser("district_officer", Role.DISTRICT_OFFICER, "演示·区干部"),
    DemoUser("subdistrict_officer", Role.SUBDISTRICT_OFFICER, "演示·街道干部"),
    DemoUser("community_worker", Role.COMMUNITY_WORKER, "演示·社区工作者"),
    DemoUser("grid_worker", Role.GRID_WORKER, "演示·网格员"),
    DemoUser("resident", Role.RESIDENT, ""),
    DemoUser("auditor", Role.AUDITOR, "演示·审计员"),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)


def featured_community(city_code: str, central_district: str) -> Area | None:
    """The community the demo's community worker serves: the first central-city community."""
    if not central_district.startswith(city_code):
        return None
    return (
        Area.objects.filter(
            level=Level.COMMUNITY, code__startswith=central_district, community_kind=CommunityKind.CENTRAL_URBAN
        )
        .order_by("code")
        .first()
    )


def demo_users_create(*, city_code: str, central_district: str) -> list[User]:
    """(Re)create the demo users; returns them in DEMO_USERS order."""
    User.objects.filter(username__in=DEMO_USERNAMES).delete()
    community = featured_community(city_code, central_district)
    if community is None or community.parent is None:
        raise ValueError(_("没有可供绑定演示用户的中心城区社区"))
    # Keyed by the level each role is bound to (shequ.core.roles.ROLE_LEVEL).
    areas: dict[str, Area] = {
        "city": Area.objects.get(code=city_code),
        "district": Area.objects.get(code=central_district),
        "subdistrict": community.parent,
        "community": community,
    }
    grid = Area.objects.filter(parent=community, level=Level.GRID).order_by("code").first()
    areas["grid"] = grid or community
    household = (
        Household.objects.filter(community=community, head__isnull=False)
        .exclude(head__name=FEATURED_NAME)
        .select_related("head")
        .order_by("number")
        .first()
    )
    password = make_password(DEMO_PASSWORD)  # hashed once: the same password for every demo user
    users = []
    for spec in DEMO_USERS:
        resident = household.head if spec.role == Role.RESIDENT and household else None
        user = User.objects.create(
            username=spec.username,
            password=password,
            display_name=resident.name if resident else spec.display_name,
            resident=resident,
        )
        RoleAssignment.objects.create(user=user, role=spec.role, area=areas[ROLE_LEVEL[spec.role]])
        users.append(user)
    return users


def demo_logins() -> list[tuple[str, str, str, Area | None]]:
    """(role, username, password, area) for every demo user that exists, in DEMO_USERS order."""
    assignments = {
        a.user.username: a
        for a in RoleAssignment.objects.filter(user__username__in=DEMO_USERNAMES).select_related("user", "area")
    }
    rows: list[tuple[str, str, str, Area | None]] = []
    for spec in DEMO_USERS:
        assignment = assignments.get(spec.username)
        if assignment is not None:
            rows.append((spec.role, spec.username, DEMO_PASSWORD, assignment.area))
    return rows
