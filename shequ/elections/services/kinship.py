"""Close relatives the registry does not show (models.DeclaredKinship), declared and withdrawn by the election
committee from one of the community's elections; the close-relatives rule then treats the pair as kin in every
election of the community (`elections.kinship`). Audited like every election write."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.core.errors import NotFound
from shequ.core.roles import Perm
from shequ.elections.models import DeclaredKinship, Election, KinRelation
from shequ.elections.services.common import invalid, locked, record
from shequ.registry.models import Resident


def _resident(election: Election, actor: Any, value: Any, field: str) -> Resident:
    """A resident of the election's community whom `actor` may run elections for; else refused on `field`."""
    pk = getattr(value, "pk", value)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    row = Resident.objects.filter(pk=pk, area_code__startswith=election.community.code).first() if pk > 0 else None
    if row is None or not viewer_scope(actor).has(Perm.ELECTIONS_RUN, row.area_code):
        raise invalid(field, _("在本社区找不到编号为 %(id)s 的居民。") % {"id": value})
    return row


def _exists(a: Resident, b: Resident) -> Any:
    return invalid("resident_b", _("%(a)s 和 %(b)s 的近亲属关系已经登记过了。") % {"a": a.name, "b": b.name},
                   code="kinship_exists")


@transaction.atomic
def kinship_declare(
    *, actor: Any, election: Election, resident_a: Any, resident_b: Any, relation: str, note: str = "",
) -> DeclaredKinship:
    """Declare that two residents of the election's community are close relatives (any stage: the count reads the
    kinships when it runs). The pair is stored once whichever way round it is given."""
    election = locked(election, actor)
    a = _resident(election, actor, resident_a, "resident_a")
    b = _resident(election, actor, resident_b, "resident_b")
    if a.pk == b.pk:
        raise invalid("resident_b", _("请选择两位不同的居民。"))
    if relation not in KinRelation.values:
        raise invalid("relation", _("请选择亲属关系：配偶、父母子女、兄弟姐妹或祖孙。"))
    note = str(note or "").strip()
    if len(note) > 200:
        raise invalid("note", _("说明不能超过 200 字。"))
    low, high = sorted((a, b), key=lambda r: r.pk)
    if DeclaredKinship.objects.filter(community_id=election.community_id, resident_a=low, resident_b=high).exists():
        raise _exists(a, b)
    row = DeclaredKinship(
        community_id=election.community_id, area_code=election.community.code, resident_a=low, resident_b=high,
        relation=relation, note=note, election=election, recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    row.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():  # another election of the community declaring the same pair at the same time
            row.save()
    except IntegrityError:
        raise _exists(a, b) from None
    record(
        actor=actor, election=election, action="create", entity="elections.DeclaredKinship", entity_id=row.pk,
        changes={"resident_a": low.pk, "resident_b": high.pk, "relation": relation, "note": note},
        summary=_("登记 %(a)s 与 %(b)s 为近亲属（%(relation)s）") % {
            "a": a.name, "b": b.name, "relation": KinRelation(relation).label},
    )
    return row


@transaction.atomic
def kinship_remove(*, actor: Any, election: Election, kinship: DeclaredKinship) -> None:
    """Withdraw a declared kinship of the election's community (recorded in error)."""
    election = locked(election, actor)
    row = (
        DeclaredKinship.objects.select_for_update(of=("self",)).select_related("resident_a", "resident_b")
        .filter(pk=kinship.pk, community_id=election.community_id).first()
    )
    if row is None:
        raise NotFound()
    pk = row.pk
    summary = _("撤销 %(a)s 与 %(b)s 的近亲属登记") % {"a": row.resident_a.name, "b": row.resident_b.name}
    changes = {"resident_a": row.resident_a_id, "resident_b": row.resident_b_id, "relation": row.relation}
    row.delete()
    record(actor=actor, election=election, action="delete", entity="elections.DeclaredKinship", entity_id=pk,
           changes=changes, summary=summary)
