"""Who are close relatives (近亲属, 《民法典》第1045条: spouse, parents, children, siblings, grandparents and
grandchildren) among the people an election is deciding on: the pairs the registry implies plus the pairs the
election committee declared (models.DeclaredKinship).

The registry records, for each member of a household, the relation to its head (registry.Relation). Two members
of one household are kin only when those two relations say so without doubt (`REGISTRY_KIN`); living in one
household is not kinship by itself — a lodger, a relation "other" or none recorded says nothing, and neither does
a pair whose tie could be an in-law one or none at all:

- head with spouse, child, parent, grandchild, grandparent or sibling: the relation itself;
- spouse and child: the head's child is taken as the spouse's too (a step-child brought up in the household is
  treated as a child, 《民法典》第1072条);
- child and child: siblings (both children of the head);
- parent and child: grandparent and grandchild.

Left out on purpose: spouse with the head's parent, sibling or grandparent (in-laws, not 近亲属); anyone with a
child-in-law (儿媳/女婿, an in-law); parent and parent (usually a couple, but the registry does not say so); child
and grandchild (parent or uncle?); sibling and sibling (they may share a different parent with the head). Where the
committee knows better, it declares the kinship.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

from shequ.elections.counting import KinPairs
from shequ.elections.models import DeclaredKinship
from shequ.registry.models import Relation, Resident

_PAIRS: tuple[tuple[Relation, Relation], ...] = (
    (Relation.HEAD, Relation.SPOUSE),
    (Relation.HEAD, Relation.CHILD),
    (Relation.HEAD, Relation.PARENT),
    (Relation.HEAD, Relation.GRANDCHILD),
    (Relation.HEAD, Relation.GRANDPARENT),
    (Relation.HEAD, Relation.SIBLING),
    (Relation.SPOUSE, Relation.CHILD),
    (Relation.CHILD, Relation.CHILD),
    (Relation.PARENT, Relation.CHILD),
)
# Unordered pairs of relations to the head (a pair of equal relations is a one-element set).
REGISTRY_KIN: frozenset[frozenset[str]] = frozenset(frozenset((a.value, b.value)) for a, b in _PAIRS)


def relations_are_kin(a: str, b: str) -> bool:
    """True when two members of one household whose relations to the head are `a` and `b` are close relatives."""
    return frozenset((a, b)) in REGISTRY_KIN


def registry_pairs(resident_ids: Iterable[int]) -> KinPairs:
    """The pairs among `resident_ids` that the registry shows as close relatives (one query)."""
    ids = sorted({int(i) for i in resident_ids if i})
    if not ids:
        return frozenset()
    by_household: dict[int, list[tuple[int, str]]] = {}
    rows = Resident.objects.filter(pk__in=ids, household__isnull=False).values_list(
        "pk", "household_id", "relation", "household__head_id")
    for pk, household_id, relation, head_id in rows:
        # The household's head is the head whatever relation was typed for them.
        by_household.setdefault(household_id, []).append((pk, Relation.HEAD.value if head_id == pk else relation))
    return frozenset(
        frozenset((a, b))
        for members in by_household.values()
        for (a, ra), (b, rb) in combinations(members, 2)
        if relations_are_kin(ra, rb)
    )


def declared_pairs(community_id: int, resident_ids: Iterable[int]) -> KinPairs:
    """The pairs among `resident_ids` the community's election committee declared (one query)."""
    ids = sorted({int(i) for i in resident_ids if i})
    if not ids:
        return frozenset()
    rows = DeclaredKinship.objects.filter(community_id=community_id, resident_a_id__in=ids,
                                          resident_b_id__in=ids).values_list("resident_a_id", "resident_b_id")
    return frozenset(frozenset((a, b)) for a, b in rows)


def kin_pairs(*, community_id: int, resident_ids: Iterable[int]) -> KinPairs:
    """Every pair of close relatives among `resident_ids`: registry-derived and declared (two queries)."""
    ids = {int(i) for i in resident_ids if i}
    return registry_pairs(ids) | declared_pairs(community_id, ids)
