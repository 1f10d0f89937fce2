"""Writes of policy sets: new versions, edits and (for the latest version only) deletion.

Each set's versions form one chain: sorted by start date, every version starts the day after the previous
one ends and only the last may be open-ended, so every day after the first start is judged by exactly one
version. Every write builds the chain it would leave behind and refuses it, naming the dates, when that
chain has a gap or an overlap, or when the latest version would get an end date (a set is continued by adding
a version, which closes its predecessor). Versions are history (a year is judged by the version then in force),
so a version that judged a year is never deleted, and its parameters and start never change: new figures are a
new version from the year they apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from shequ.accounts.scope import viewer_scope
from shequ.core.audit import audit_record, diff, snapshot
from shequ.core.errors import Conflict, NotFound, PermissionDenied
from shequ.core.roles import Perm
from shequ.standards.models import ComplianceResult, PolicyParameter, PolicySet, PolicyVersion
from shequ.standards.policy_checks import (
    Param,
    Span,
    chain_errors,
    clean_value,
    fail,
    params_of,
    resolve_parameters,
    spans_of,
)
from shequ.standards.policy_selectors import policy_set_visible

ENTITY = "policy_version"
UNSET: Any = object()
VERSION_FIELDS = ["number", "effective_from", "effective_to", "citation", "note"]
# The parameter the governance two-year rule reads (governance.rules.required_years).
GOVERNANCE_KEY = "incompetent_years"


# -- permission -------------------------------------------------------------------------------------


def _require_change(actor: Any, policy_set: PolicySet) -> None:
    if not policy_set_visible(actor, policy_set):
        raise NotFound()
    if not viewer_scope(actor).has(Perm.POLICY_CHANGE, policy_set.jurisdiction_code):
        raise PermissionDenied()


def _lock(policy_set: PolicySet) -> PolicySet:
    """Serialises writers of one set, so version numbers and the chain check see each other's work."""
    return PolicySet.objects.select_for_update().get(pk=policy_set.pk)


def _chain(policy_set: PolicySet) -> list[PolicyVersion]:
    versions = list(
        PolicyVersion.objects.filter(policy_set=policy_set)
        .prefetch_related("parameters")
        .order_by("effective_from", "number")
    )
    for version in versions:
        version.policy_set = policy_set
    return versions


def _set_end(actor: Any, version: PolicyVersion, end: dt.date | None, summary: str) -> None:
    """Move a neighbour's boundary as a consequence of another version's write (audited on that version)."""
    old = snapshot(version, VERSION_FIELDS)
    version.effective_to = end
    version.full_clean()
    version.save(update_fields=["effective_to"])
    _audit(actor, version, "update", diff(old, snapshot(version, VERSION_FIELDS)), summary)


def _set_start(actor: Any, version: PolicyVersion, start: dt.date, summary: str) -> None:
    old = snapshot(version, VERSION_FIELDS)
    version.effective_from = start
    version.full_clean()
    version.save(update_fields=["effective_from"])
    _audit(actor, version, "update", diff(old, snapshot(version, VERSION_FIELDS)), summary)


def _audit(actor: Any, version: PolicyVersion, verb: str, changes: dict[str, Any], summary: str) -> None:
    audit_record(
        actor=actor,
        action=f"{ENTITY}.{verb}",
        entity_type=ENTITY,
        entity_id=version.pk,
        area_code=version.policy_set.jurisdiction_code,
        changes=changes,
        summary=summary,
    )


def _param_changes(old: dict[str, Param], new: dict[str, Param]) -> dict[str, list[Any]]:
    return {
        f"parameters.{k}": [old[k].value if k in old else None, new[k].value if k in new else None]
        for k in sorted(set(old) | set(new))
        if (old[k].value if k in old else None) != (new[k].value if k in new else None)
    }


def _years_label(years: Iterable[int]) -> str:
    """2016–2019、2021: runs of consecutive years as ranges."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and runs[-1][-1] == year - 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return _("、").join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _in_use_errors(version: PolicyVersion, fields: Iterable[str]) -> dict[str, list[str]]:
    """{field: [why]} for each of `fields` (parameters, effective_from) when the version already judged something:
    compliance results (naming their years) or a record fixed to it (e.g. an election). Changing its figures or
    its start would rewrite that history."""
    fields = list(fields)
    if not fields:
        return {}
    years = list(
        ComplianceResult.objects.filter(policy_version_id=version.pk).values_list("year", flat=True).distinct()
    )
    if years:
        message = _(
            "第 %(n)s 版已用于评判 %(years)s 年的达标结果，这些结果是历史记录：其参数和生效日期不能再修改"
            "（依据文件和修订说明仍可修改）。如新的标准自某年起适用，请新增一个自该年起生效的版本。"
        ) % {"n": version.number, "years": _years_label(years)}
    elif _referenced(version):
        message = _(
            "第 %(n)s 版已被其他记录引用（如已设定的选举）：其参数和生效日期不能再修改（依据文件和修订说明仍可"
            "修改）。如新的规定自某日起适用，请新增一个自该日起生效的版本。"
        ) % {"n": version.number}
    else:
        return {}
    return {field: [message] for field in fields}


def _referenced(version: PolicyVersion) -> bool:
    """True when a record that fixes its version (a protected reference, e.g. an election) points at this one."""
    relations = [
        rel
        for rel in PolicyVersion._meta.get_fields(include_hidden=True)  # an election's has no reverse name
        if isinstance(rel, models.ForeignObjectRel) and rel.on_delete is models.PROTECT
    ]
    return any(rel.related_model._default_manager.filter(**{rel.field.name: version.pk}).exists() for rel in relations)


def _recompute_after(actor: Any, policy_set: PolicySet, *starts: dt.date | None, governance: bool = False) -> None:
    """A change to the community standards re-judges the years it touches: compliance in the background after
    commit (the other topics — e.g. the election rules — fix their version on the record they judge); with
    `governance` (the change touches `incompetent_years` or the years a version carrying it covers), the two-year
    rule's action items of the set's area at once, in the same transaction."""
    from shequ.standards.policy import TOPIC
    from shequ.standards.tasks import compliance_recompute_start

    if policy_set.topic != TOPIC:
        return
    if governance:
        from shequ.governance.services import action_items_recompute_area

        action_items_recompute_area(actor=actor, area_code=policy_set.jurisdiction_code)
    first = min((d.year for d in starts if d is not None), default=None)
    years = list(range(first, dt.date.today().year + 1)) if first is not None else None
    try:
        compliance_recompute_start(actor=actor, area_code=policy_set.jurisdiction_code, years=years)
    except PermissionDenied:  # the editor may change policy but not run the recompute: the nightly run will
        return


def _figures(params: Mapping[str, Param]) -> dict[str, tuple[str, Any]]:
    """What judges a year: kinds and values, as the checks store them (so "2" and "2.00" are one figure); a
    parameter's label is text, like the citation."""
    figures: dict[str, tuple[str, Any]] = {}
    for key, param in params.items():
        value, problem = clean_value(param.kind, param.value)
        figures[key] = (param.kind, param.value if problem else value)
    return figures


def _citation_errors(citation: str) -> dict[str, list[str]]:
    return {} if citation else {"citation": [_("请填写依据文件（文号或文件名称）。")]}


# -- services ---------------------------------------------------------------------------------------


def policy_version_create(
    *,
    actor: Any,
    policy_set: PolicySet,
    effective_from: dt.date,
    citation: str,
    note: str = "",
    parameters: Mapping[str, Any],
    effective_to: dt.date | None = None,
    remove_keys: Iterable[str] = (),
) -> PolicyVersion:
    """A new version starting on `effective_from`. The version in force before it, when open-ended, now ends
    the day before; the parameters must name every key of that version (new keys may be added, dropping one
    needs `remove_keys`)."""
    _require_change(actor, policy_set)
    citation, note = str(citation or "").strip(), str(note or "").strip()
    with transaction.atomic():
        policy_set = _lock(policy_set)
        versions = _chain(policy_set)
        number = max((v.number for v in versions), default=0) + 1
        target = Span(pk=None, number=number, start=effective_from, end=effective_to)
        spans = spans_of(versions)
        before = max((s for s in spans if s.start < effective_from), key=lambda s: s.start, default=None)
        closes = None
        if before is not None and before.end is None:
            before.end = effective_from - dt.timedelta(days=1)
            closes = next(v for v in versions if v.pk == before.pk)
        chain = chain_errors([*spans, target], target)
        # The key set follows the version the new one continues (or precedes); when its start is wrong that is
        # unknown, so the latest version (the one the form was filled from) stands in.
        neighbour = before or min(spans, key=lambda s: s.start, default=None)
        if "effective_from" in chain:
            neighbour = max(spans, key=lambda s: s.start, default=None)
        reference = params_of(next(v for v in versions if v.pk == neighbour.pk)) if neighbour else {}
        params, param_errors = resolve_parameters(reference, parameters, remove_keys, complete=True)
        errors = chain | _citation_errors(citation) | param_errors
        if errors:
            raise fail(errors)

        if closes is not None:
            _set_end(
                actor,
                closes,
                before.end if before else None,
                f"{policy_set.code} v{closes.number}: closed by v{number}",
            )
        version = PolicyVersion(
            policy_set=policy_set,
            number=number,
            effective_from=effective_from,
            effective_to=effective_to,
            citation=citation,
            note=note,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        version.full_clean()
        version.save()
        rows = [
            PolicyParameter(version=version, key=p.key, kind=p.kind, value=p.value, label=p.label)
            for p in params.values()
        ]
        for row in rows:
            row.full_clean(validate_constraints=False)
        PolicyParameter.objects.bulk_create(rows)
        changes = diff({}, snapshot(version, VERSION_FIELDS)) | _param_changes({}, params)
        _audit(actor, version, "create", changes, f"{policy_set.code} v{number}")
        governance = GOVERNANCE_KEY in params or any(GOVERNANCE_KEY in params_of(v) for v in versions)
        _recompute_after(actor, policy_set, effective_from, governance=governance)
    return version


def policy_version_update(
    *,
    actor: Any,
    version: PolicyVersion,
    effective_from: dt.date = UNSET,
    effective_to: dt.date | None = UNSET,
    citation: str = UNSET,
    note: str = UNSET,
    parameters: Mapping[str, Any] | None = None,
    remove_keys: Iterable[str] = (),
    shift_neighbours: bool = False,
) -> PolicyVersion:
    """Change a version. Given `parameters` replace those keys' values (new keys need a kind); `remove_keys`
    drops keys. Dates must leave the chain contiguous; with `shift_neighbours` the adjacent versions' touching
    boundaries move along (the only way to move the day one version hands over to the next)."""
    policy_set = version.policy_set
    _require_change(actor, policy_set)
    with transaction.atomic():
        policy_set = _lock(policy_set)
        versions = _chain(policy_set)
        version = next((v for v in versions if v.pk == version.pk), None)  # type: ignore[assignment]
        if version is None:
            raise NotFound()
        old = snapshot(version, VERSION_FIELDS)
        errors: dict[str, list[str]] = {}
        if citation is not UNSET:
            version.citation = str(citation or "").strip()
            errors |= _citation_errors(version.citation)
        if note is not UNSET:
            version.note = str(note or "").strip()
        spans = spans_of(versions)
        target = next(s for s in spans if s.pk == version.pk)
        moved: list[tuple[PolicyVersion, str, Any]] = []
        day = dt.timedelta(days=1)
        if effective_from is not UNSET and effective_from != target.start:
            previous = next(
                (s for s in spans if s.pk != target.pk and s.end is not None and s.end + day == target.start), None
            )
            target.start = effective_from
            if shift_neighbours and previous is not None:
                previous.end = effective_from - day
                moved.append((next(v for v in versions if v.pk == previous.pk), "end", previous.end))
        if effective_to is not UNSET and effective_to != target.end:
            following = (
                next((s for s in spans if s.pk != target.pk and s.start == target.end + day), None)
                if target.end is not None
                else None
            )
            target.end = effective_to
            if shift_neighbours and following is not None and effective_to is not None:
                following.start = effective_to + day
                moved.append((next(v for v in versions if v.pk == following.pk), "start", following.start))
        chain = chain_errors(spans, target)
        if "__all__" in chain and moved:
            # A neighbour pushed past its own start: the date the user typed is what to correct.
            chain = {"effective_from" if moved[0][1] == "end" else "effective_to": chain["__all__"]}
        old_params = params_of(version)
        params, param_errors = resolve_parameters(old_params, parameters or {}, remove_keys, complete=False)
        # What a version that judged years may not change (its texts may): its figures and its start, nor the
        # start of a neighbour that judged years moved along with it.
        figures_changed = bool(param_errors) or _figures(params) != _figures(old_params)
        touched = {"parameters": figures_changed, "effective_from": target.start != version.effective_from}
        in_use = _in_use_errors(version, [field for field, changed in touched.items() if changed])
        for neighbour, edge, _when in moved:
            if edge == "start" and not in_use:  # the next version's start follows this one's end
                in_use = _in_use_errors(neighbour, ["effective_to"])
        if in_use:
            raise Conflict(next(iter(in_use.values()))[0], code="version_in_use", details=in_use)
        errors |= chain | param_errors
        if errors:
            raise fail(errors)

        for neighbour, edge, when in moved:
            summary = f"{policy_set.code} v{neighbour.number}: boundary moved with v{version.number}"
            if edge == "end":
                _set_end(actor, neighbour, when, summary)
            else:
                _set_start(actor, neighbour, when, summary)
        version.effective_from, version.effective_to = target.start, target.end
        version.full_clean()
        version.save(update_fields=["effective_from", "effective_to", "citation", "note"])
        existing = {p.key: p for p in version.parameters.all()}
        for key, param in params.items():
            row = existing.get(key)
            if row is None:
                row = PolicyParameter(version=version, key=key, kind=param.kind, value=param.value, label=param.label)
                row.full_clean(validate_constraints=False)
                row.save()
            elif row.value != param.value or row.label != param.label:
                row.value, row.label = param.value, param.label
                row.full_clean(validate_constraints=False)
                row.save(update_fields=["value", "label"])
        PolicyParameter.objects.filter(version=version, key__in=set(existing) - set(params)).delete()
        changes = diff(old, snapshot(version, VERSION_FIELDS)) | _param_changes(old_params, params)
        if changes:
            _audit(actor, version, "update", changes, f"{policy_set.code} v{version.number}")
            was_from = dt.date.fromisoformat(str(old["effective_from"]))
            dates_changed = "effective_from" in changes or "effective_to" in changes
            governance = f"parameters.{GOVERNANCE_KEY}" in changes or (
                dates_changed and any(GOVERNANCE_KEY in params_of(v) for v in versions)
            )
            _recompute_after(actor, policy_set, was_from, version.effective_from, governance=governance)
    return version


def policy_version_delete(*, actor: Any, version: PolicyVersion) -> None:
    """Only the latest version, and only if no compliance result was judged by it. When it was open-ended,
    the version before it (which its creation closed) is open-ended again, so coverage stays as it was."""
    policy_set = version.policy_set
    _require_change(actor, policy_set)
    with transaction.atomic():
        policy_set = _lock(policy_set)
        versions = _chain(policy_set)
        if not versions or versions[-1].pk != version.pk:
            raise Conflict(_("只能删除最新的版本；较早的版本是历史，须保留。"), code="not_latest")
        judged = ComplianceResult.objects.filter(policy_version=version).count()
        if judged:
            raise Conflict(_("该版本已用于评判 %(n)s 条达标结果，不能删除。") % {"n": judged}, code="version_in_use")
        version = versions[-1]
        previous = versions[-2] if len(versions) > 1 else None
        if (
            version.effective_to is None
            and previous is not None
            and previous.effective_to == version.effective_from - dt.timedelta(days=1)
        ):
            summary = f"{policy_set.code} v{previous.number}: reopened, v{version.number} deleted"
            _set_end(actor, previous, None, summary)
        old = snapshot(version, VERSION_FIELDS)
        old_params = params_of(version)
        pk = version.pk
        try:
            version.delete()
        except ProtectedError:  # e.g. an election fixed to this version of the election rules
            raise Conflict(_("该版本已被其他记录引用（如已设定的选举），不能删除。"), code="version_in_use") from None
        version.pk = pk
        _audit(
            actor,
            version,
            "delete",
            diff(old, {}) | _param_changes(old_params, {}),
            f"{policy_set.code} v{old['number']}",
        )
