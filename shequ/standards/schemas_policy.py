"""API shapes of policy sets, versions and their parameters (/api/v1/standards/policies)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from shequ.standards.models import PolicyParameter, PolicySet, PolicyVersion


class ParameterOut(Schema):
    key: str
    kind: str = Field(description="m2 | count | yuan | ratio | items")
    value: str | list[str] = Field(description="A decimal string (exact), or for items a list of names")
    label: str

    @staticmethod
    def build(param: PolicyParameter) -> ParameterOut:
        value = param.value if isinstance(param.value, list) else str(param.value)
        return ParameterOut(key=param.key, kind=param.kind, value=value, label=param.label)


class VersionBrief(Schema):
    id: int
    number: int
    effective_from: dt.date
    effective_to: dt.date | None = Field(description="Inclusive; null = open-ended")
    citation: str

    @staticmethod
    def build(version: PolicyVersion) -> VersionBrief:
        return VersionBrief(
            id=version.pk,
            number=version.number,
            effective_from=version.effective_from,
            effective_to=version.effective_to,
            citation=version.citation,
        )


class VersionOut(VersionBrief):
    policy_set_id: int
    policy_set_code: str
    note: str
    created_by: str | None
    created_at: dt.datetime
    parameters: list[ParameterOut]

    @staticmethod
    def build(version: PolicyVersion) -> VersionOut:  # type: ignore[override]
        return VersionOut(
            **VersionBrief.build(version).dict(),
            policy_set_id=version.policy_set_id,
            policy_set_code=version.policy_set.code,
            note=version.note,
            created_by=version.created_by.username if version.created_by else None,
            created_at=version.created_at,
            parameters=[ParameterOut.build(p) for p in version.parameters.all()],
        )


class PolicySetOut(Schema):
    id: int
    code: str
    topic: str
    name: str
    name_en: str
    jurisdiction_code: str
    description: str
    current_version: VersionBrief | None = Field(description="The version in force today")
    version_count: int

    @staticmethod
    def build(policy_set: PolicySet, versions: list[PolicyVersion], current: PolicyVersion | None) -> PolicySetOut:
        return PolicySetOut(
            id=policy_set.pk,
            code=policy_set.code,
            topic=policy_set.topic,
            name=policy_set.name,
            name_en=policy_set.name_en,
            jurisdiction_code=policy_set.jurisdiction_code,
            description=policy_set.description,
            current_version=VersionBrief.build(current) if current else None,
            version_count=len(versions),
        )


class PolicySetDetail(PolicySetOut):
    versions: list[VersionOut] = Field(description="Oldest first")


class ResolveOut(Schema):
    area: str
    year: int
    topic: str
    policy_set: PolicySetOut | None = Field(description="null when no version judges that area in that year")
    version: VersionOut | None


class VersionIn(Schema):
    effective_from: dt.date
    effective_to: dt.date | None = Field(None, description="Inclusive; omitted or null = open-ended")
    citation: str
    note: str = ""
    parameters: dict[str, Any] = Field(
        description=(
            "Every key of the version this one follows, key → value (decimal string or number; for items a list "
            'of strings). A new key needs its kind: key → {"kind": ..., "value": ..., "label": ...}.'
        )
    )
    remove_keys: list[str] = Field(default_factory=list, description="Keys of the previous version to drop")


class VersionPatch(Schema):
    effective_from: dt.date | None = None
    effective_to: dt.date | None = Field(None, description="null = open-ended (only the last version)")
    citation: str | None = None
    note: str | None = None
    parameters: dict[str, Any] | None = Field(None, description="Only the keys to change or add")
    remove_keys: list[str] = Field(default_factory=list)
    shift_neighbours: bool = Field(False, description="Move the adjacent versions' touching dates along")
