"""disclosure_publish and disclosure_verify: the chain and its sequence, corrections, tamper detection, scope."""

from __future__ import annotations

import pytest

from shequ.core.errors import NotFound, PermissionDenied, ValidationFailed
from shequ.core.models import AuditLog
from shequ.disclosure.models import Disclosure
from shequ.disclosure.services import disclosure_publish, disclosure_verify, entry_digest


def publish(world, n=1, actor=None, community=None, **extra):
    entries = []
    for i in range(n):
        fields = {"category": "affairs", "title": f"公开事项{i + 1}", "body": f"内容{i + 1}"}
        fields.update(extra)
        entries.append(disclosure_publish(actor=actor or world.worker, community=community or world.community,
                                          **fields))
    return entries


def test_chain_and_sequence(world):
    a, b, c = publish(world, 3)
    other = publish(world, 1, actor=world.outsider, community=world.community2)[0]
    assert [a.sequence, b.sequence, c.sequence] == [1, 2, 3]
    assert other.sequence == 1  # per community
    assert a.previous_digest == "" and b.previous_digest == a.digest and c.previous_digest == b.digest
    assert len({a.digest, b.digest, c.digest}) == 3
    assert c.digest == entry_digest(Disclosure.objects.get(pk=c.pk))  # survives the database round trip
    assert disclosure_verify(world.community) == []
    audit = AuditLog.objects.filter(entity_type="disclosure.Disclosure", action="publish",
                                    area_code=world.community.code)
    assert audit.count() == 3 and audit.order_by("-id").first().changes["digest"] == c.digest


def test_correction_is_a_new_entry(world):
    old = publish(world, 1, category="finance", title="2025年经费收支", body="支出 12,000 元")[0]
    fix = disclosure_publish(actor=world.worker, community=world.community, category="finance",
                             title="更正：2025年经费收支", body="支出 21,000 元", corrects=old)
    old.refresh_from_db()
    assert old.body == "支出 12,000 元"  # the original stays as it was published
    assert fix.sequence == 2 and fix.corrects_id == old.pk
    assert list(old.corrections.all()) == [fix]
    assert disclosure_verify(world.community) == []
    with pytest.raises(ValidationFailed) as err:  # correct the newest version, not the superseded one
        disclosure_publish(actor=world.worker, community=world.community, category="finance", title="再更正",
                           body="x", corrects=old)
    assert "corrects" in err.value.details
    other = publish(world, 1, actor=world.outsider, community=world.community2)[0]
    with pytest.raises(ValidationFailed):  # another community's entry
        disclosure_publish(actor=world.worker, community=world.community, category="finance", title="t", body="b",
                           corrects=other)
    assert Disclosure.objects.filter(community=world.community).count() == 2


def test_edited_body_is_detected(world):
    _a, b, _c = publish(world, 3)
    Disclosure.objects.filter(pk=b.pk).update(body="悄悄改过的内容")
    problems = disclosure_verify(world.community)
    assert [(p.sequence, p.kind) for p in problems] == [(2, "altered")]


def test_edit_with_recomputed_digest_breaks_the_next_link(world):
    _a, b, _c = publish(world, 3)
    b.title = "改过的标题"
    Disclosure.objects.filter(pk=b.pk).update(title=b.title, digest=entry_digest(b))
    kinds = {(p.sequence, p.kind) for p in disclosure_verify(world.community)}
    assert kinds == {(3, "broken_link")}


def test_deleted_middle_entry_is_detected(world):
    _a, b, _c = publish(world, 3)
    Disclosure.objects.filter(pk=b.pk).delete()
    kinds = {(p.sequence, p.kind) for p in disclosure_verify(world.community)}
    assert kinds == {(2, "missing"), (3, "broken_link")}


def test_deleted_newest_entry_is_detected(world):
    _a, _b, c = publish(world, 3)
    Disclosure.objects.filter(pk=c.pk).delete()
    problems = disclosure_verify(world.community)
    assert [(p.sequence, p.kind) for p in problems] == [(3, "truncated")]


def test_rewritten_newest_entry_is_detected_against_the_audit(world):
    _a, b = publish(world, 2)
    b.body = "全部重写"
    Disclosure.objects.filter(pk=b.pk).update(body=b.body, digest=entry_digest(b))
    assert [(p.sequence, p.kind) for p in disclosure_verify(world.community)] == [(2, "altered")]


@pytest.mark.parametrize("field,value", [("title", "  "), ("body", ""), ("category", "gossip"), ("title", "长" * 201)])
def test_bad_input_is_refused(world, field, value):
    fields = {"category": "affairs", "title": "t", "body": "b", field: value}
    with pytest.raises(ValidationFailed) as err:
        disclosure_publish(actor=world.worker, community=world.community, **fields)
    assert field in err.value.details
    assert not Disclosure.objects.exists()


def test_scope(world):
    # ELECTIONS_RUN (worker, sub-district officer) or STANDARDS_CHANGE, in the subtree.
    publish(world, 1, actor=world.subdistrict_officer)
    publish(world, 1, actor=world.admin)
    for user, error in [(world.outsider, NotFound), (world.analyst, PermissionDenied), (world.grid_worker, NotFound),
                         (world.resident_user, NotFound), (world.auditor, NotFound)]:
        with pytest.raises(error):
            publish(world, 1, actor=user)
    with pytest.raises(NotFound):  # not a community
        publish(world, 1, community=world.subdistrict)
    assert Disclosure.objects.filter(community=world.community).count() == 2
    assert disclosure_verify(world.community) == []
