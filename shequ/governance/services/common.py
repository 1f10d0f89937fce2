"""What the governance services share: where a write may go, the registry link, and the compliance recompute."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.areas.models import Area, Level
from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed, validation_error_from_django
from shequ.core.roles import Perm


def today() -> Any:
    return timezone.localdate()


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={field: [message]})


def community_for_write(actor: Any, community: Area | str | int) -> Area:
    """The community a new worker goes to. Outside the actor's subtree it answers like a missing record;
    where the actor may only read (an analyst), 403."""
    if isinstance(community, Area):
        area: Area | None = community
    elif isinstance(community, int) and not isinstance(community, bool):
        area = Area.objects.filter(pk=community).first()
    else:
        key = str(community or "").strip()
        area = Area.objects.filter(code=key).first() if key.isdigit() else None
    if area is None:
        raise NotFound()
    scope = viewer_scope(actor)
    if not scope.has(Perm.STANDARDS_CHANGE, area.code):
        if scope.has(Perm.STANDARDS_VIEW, area.code):
            raise PermissionDenied()
        raise NotFound()
    if area.level != Level.COMMUNITY:
        raise invalid("community", _("必须是社区（村）"))
    return area


def check_resident(actor: Any, community: Area, resident: Any) -> None:
    """A linked registry record must be a resident of the same community that the actor can see."""
    from shequ.registry.models import Resident

    if resident is None:
        return
    pk = getattr(resident, "pk", None)
    visible = Resident.objects.filter(viewer_scope(actor).q(Perm.REGISTRY_VIEW))
    if not isinstance(pk, int) or not visible.filter(pk=pk).exists():
        raise invalid("resident", _("找不到该居民档案"))
    if resident.community_id != community.pk:
        raise invalid("resident", _("该居民不属于本社区"))


def clean_and_save(instance: models.Model, **save_kwargs: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise validation_error_from_django(exc) from None
    instance.save(**save_kwargs)


# -- compliance --------------------------------------------------------------------------------------

def recompute_compliance(community: Area, years: Iterable[int]) -> None:
    """Staffing and base-pay results depend on the staff: recompute the years a write touched (none in the
    future); inside `standards.compliance.compliance_deferred()` once per community at the end."""
    from shequ.standards.compliance import compliance_recompute_after_write

    compliance_recompute_after_write(community=community, years=[y for y in years if y <= today().year])


def compliance_deferred() -> contextlib.AbstractContextManager[None]:
    """For bulk loads: one recompute per community for all the writes inside the block."""
    from shequ.standards.compliance import compliance_deferred as deferred

    return deferred()
