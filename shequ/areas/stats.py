"""Subtree counts (AreaStats, AreaTagCount): delta updates from services, full rebuild after bulk loads.

Area codes are hierarchical, so a row's ancestors are the prefixes of its area_code.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import Count, F

from shequ.areas.models import Area, AreaStats, AreaTagCount

_PREFIX_LENGTHS = (4, 6, 9, 12, 15)


def ancestor_codes(code: str) -> list[str]:
    return [code[:n] for n in _PREFIX_LENGTHS if n <= len(code)]


def _stats_update(codes: list[str], deltas: dict[str, int]) -> None:
    updates = {name: F(name) + delta for name, delta in deltas.items() if delta}
    if updates and codes:
        AreaStats.objects.filter(area__code__in=codes).update(**updates)


def _tag_counts_update(codes: list[str], tag_id: int, delta: int) -> None:
    if not delta or not codes:
        return
    area_ids = list(Area.objects.filter(code__in=codes).values_list("pk", flat=True))
    updated = set(AreaTagCount.objects.filter(area_id__in=area_ids, tag_id=tag_id).values_list("area_id", flat=True))
    AreaTagCount.objects.filter(area_id__in=updated, tag_id=tag_id).update(residents=F("residents") + delta)
    missing = [AreaTagCount(area_id=a, tag_id=tag_id, residents=max(delta, 0)) for a in area_ids if a not in updated]
    if missing:
        AreaTagCount.objects.bulk_create(missing, ignore_conflicts=True)


def _split(old_code: str, new_code: str) -> tuple[list[str], list[str]]:
    """The ancestors only the old place has, and those only the new one has (shared ones keep their counts)."""
    old, new = ancestor_codes(old_code), ancestor_codes(new_code)
    return [c for c in old if c not in new], [c for c in new if c not in old]


def stats_apply(area_code: str, **deltas: int) -> None:
    _stats_update(ancestor_codes(area_code), deltas)


def stats_move(old_code: str, new_code: str, **counts: int) -> None:
    """Records counted under `old_code` now sit under `new_code` (e.g. a household moved to another grid)."""
    left, joined = _split(old_code, new_code)
    _stats_update(left, {name: -count for name, count in counts.items()})
    _stats_update(joined, counts)


def tag_counts_apply(area_code: str, tag_id: int, delta: int) -> None:
    _tag_counts_update(ancestor_codes(area_code), tag_id, delta)


def tag_counts_move(old_code: str, new_code: str, tag_id: int, count: int) -> None:
    left, joined = _split(old_code, new_code)
    _tag_counts_update(left, tag_id, -count)
    _tag_counts_update(joined, tag_id, count)


def _rolled_up(rows: list[tuple[str, int]]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for code, count in rows:
        for prefix in ancestor_codes(code):
            totals[prefix] += count
    return totals


@transaction.atomic
def stats_rebuild() -> None:
    """Recount everything from the registry (after imports and demo generation)."""
    from shequ.registry.models import Building, Household, Resident, ResidentStatus, ResidentTag, ResidentUnit

    def grouped(qs) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
        return list(qs.values("area_code").annotate(n=Count("pk")).values_list("area_code", "n"))

    totals = {
        "buildings": _rolled_up(grouped(Building.objects.all())),
        "households": _rolled_up(grouped(Household.objects.filter(dissolved_at__isnull=True))),
        "residents": _rolled_up(grouped(Resident.objects.filter(status=ResidentStatus.ACTIVE))),
        "units": _rolled_up(grouped(ResidentUnit.objects.all())),
    }
    areas = list(Area.objects.values_list("pk", "code"))
    existing = set(AreaStats.objects.values_list("area_id", flat=True))
    AreaStats.objects.bulk_create([AreaStats(area_id=pk) for pk, _code in areas if pk not in existing], batch_size=2000)
    rows = [
        AreaStats(area_id=pk, **{name: counter.get(code, 0) for name, counter in totals.items()}) for pk, code in areas
    ]
    AreaStats.objects.bulk_update(rows, fields=list(totals), batch_size=2000)

    tag_rows = (
        ResidentTag.objects.filter(resident__status=ResidentStatus.ACTIVE)
        .values("resident__area_code", "tag_id")
        .annotate(n=Count("pk"))
        .values_list("resident__area_code", "tag_id", "n")
    )
    per_tag: Counter[tuple[str, int]] = Counter()
    for code, tag_id, n in tag_rows:
        for prefix in ancestor_codes(code):
            per_tag[(prefix, tag_id)] += n
    code_to_pk = {code: pk for pk, code in areas}
    AreaTagCount.objects.all().delete()
    AreaTagCount.objects.bulk_create(
        [
            AreaTagCount(area_id=code_to_pk[code], tag_id=tag_id, residents=n)
            for (code, tag_id), n in per_tag.items()
            if code in code_to_pk
        ],
        batch_size=2000,
    )
