"""What an import does to the registry: report, all-or-nothing, idempotence, updates, households, moves,
scope, statistics and audit — on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from shequ.areas.models import AreaStats, AreaTagCount
from shequ.areas.stats import stats_rebuild
from shequ.core.models import AuditLog
from shequ.core.testing.factories import make_id_number
from shequ.registry.importing.engine import SYSTEM, run_import
from shequ.registry.importing.report import write_report
from shequ.registry.importing.testing import resident_row, write_csv
from shequ.registry.models import Building, Household, HouseholdMembership, Resident, ResidentTag

COMMUNITY = "431302001001"
GRID = "431302001001001"


def _run(world, path, *, actor=None, dry_run=False, **kw):
    return run_import(kind=kw.pop("kind", "residents"), path=path, filename=path.name, actor=actor or world.worker,
                      dry_run=dry_run, batch_id=kw.pop("batch_id", "test"), **kw)


def _stats():
    return (
        sorted(AreaStats.objects.values_list("area__code", "buildings", "households", "residents")),
        sorted(AreaTagCount.objects.filter(residents__gt=0).values_list("area__code", "tag__code", "residents")),
    )


def assert_stats_consistent():
    kept = _stats()
    stats_rebuild()
    assert kept == _stats()


def _family(prefix: str = "F1") -> list[list[str]]:
    return [
        resident_row("张建国", make_id_number(dt.date(1960, 1, 1)), phone="13800000001", household=prefix,
                     relation="户主", kind="常住", building="长青路9号", room="301", tags="党员"),
        resident_row("刘秀英", make_id_number(dt.date(1962, 2, 2), male=False), household=prefix, relation="妻子"),
        resident_row("张小军", make_id_number(dt.date(1990, 3, 3)), household=prefix, relation="儿子", tags="低保"),
    ]


def test_dry_run_reports_row_column_value_reason_and_writes_nothing(world, tmp_path):
    rows = [*_family(), resident_row("坏号", "123"), resident_row("无社区", make_id_number(), area="431302001099")]
    path = write_csv(tmp_path / "family.csv", rows)
    before = (Resident.objects.count(), Household.objects.count(), AuditLog.objects.count())
    result = _run(world, path, dry_run=True)
    assert (Resident.objects.count(), Household.objects.count(), AuditLog.objects.count()) == before
    assert result.counts["created"] == 3 and result.counts["refused"] == 2 and result.counts["households_created"] == 1
    assert result.errors == [
        {"row": 5, "column": "公民身份号码", "value": "123",
         "reason": "身份号码应为 18 位（或旧式 15 位），实际 3 位"},
        {"row": 6, "column": "社区代码", "value": "431302001099",
         "reason": "未找到社区（村）或网格代码 431302001099，或不在您的管辖范围内"},
    ]
    report = tmp_path / "report.xlsx"
    write_report(result, report)
    wb = load_workbook(report, read_only=True)
    sheet = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert sheet[0] == ["文件", "行", "列", "值", "原因"]
    assert sheet[1] == ["family.csv", 5, "公民身份号码", "123", "身份号码应为 18 位（或旧式 15 位），实际 3 位"]
    assert sheet[2][:4] == ["family.csv", 6, "社区代码", "431302001099"]
    summary = {r[0]: r[1] for r in wb.worksheets[1].iter_rows(values_only=True)}
    assert summary["被拒绝的行"] == 2 and summary["新增"] == 3


def test_report_is_in_row_order_whichever_check_refused_the_row(world, tmp_path):
    rows = [resident_row("冒名", world.zhao.id_number), resident_row("坏号", "123"),
            resident_row("好人", make_id_number())]
    result = _run(world, write_csv(tmp_path / "order.csv", rows), dry_run=True)
    # row 2 is refused by the registry check (after the chunk), row 3 by the row check (at once)
    assert [e["row"] for e in result.errors] == [2, 3]
    assert [r[0] for r in result.iter_errors()] == ["2", "3"]


def test_valid_only_commits_the_good_rows(world, tmp_path):
    path = write_csv(tmp_path / "mixed.csv", [*_family(), resident_row("坏号", "123")])
    result = _run(world, path)
    assert result.committed and result.counts["created"] == 3 and result.refused == 1
    assert Resident.objects.filter(household__number="F1").count() == 3
    assert_stats_consistent()


def test_all_or_nothing_commits_nothing_when_a_row_is_refused(world, tmp_path):
    path = write_csv(tmp_path / "mixed.csv", [*_family(), resident_row("坏号", "123")])
    before = (Resident.objects.count(), Household.objects.count(), Building.objects.count(), AuditLog.objects.count(),
              _stats())
    result = _run(world, path, all_or_nothing=True)
    assert not result.committed and result.refused == 1
    assert (Resident.objects.count(), Household.objects.count(), Building.objects.count(), AuditLog.objects.count(),
            _stats()) == before


def test_all_or_nothing_commits_everything_when_every_row_is_valid(world, tmp_path):
    result = _run(world, write_csv(tmp_path / "ok.csv", _family()), all_or_nothing=True)
    assert result.committed and result.all_valid and Resident.objects.filter(household__number="F1").count() == 3


def test_household_linking_creates_one_household_with_head_building_and_memberships(world, tmp_path):
    _run(world, write_csv(tmp_path / "family.csv", _family()))
    household = Household.objects.get(number="F1")
    assert household.head.name == "张建国" and household.kind == "permanent" and household.room == "301"
    assert household.building.address == "长青路9号" and household.building.community == world.community
    members = {r.name: r.relation for r in household.members.all()}
    assert members == {"张建国": "head", "刘秀英": "spouse", "张小军": "child"}
    assert HouseholdMembership.objects.filter(household=household, ended_at__isnull=True).count() == 3
    zhang = Resident.objects.get(name="张建国")
    assert zhang.sex == "M" and zhang.birth_date == dt.date(1960, 1, 1) and zhang.name_initials == "zjg"
    assert zhang.phone_rev == "10000000831" and zhang.id_number_rev == zhang.id_number[::-1]
    assert set(zhang.tags.values_list("code", flat=True)) == {"party_member"}
    assert_stats_consistent()


def test_reimporting_the_same_file_changes_nothing(world, tmp_path):
    path = write_csv(tmp_path / "family.csv", _family())
    _run(world, path)
    snapshot = (list(Resident.objects.order_by("pk").values()), list(Household.objects.order_by("pk").values()),
                list(HouseholdMembership.objects.order_by("pk").values()), _stats())
    audits = AuditLog.objects.count()
    result = _run(world, path)
    assert result.counts["unchanged"] == 3 and result.counts["created"] == result.counts["updated"] == 0
    assert result.counts["households_created"] == result.counts["households_updated"] == 0
    assert (list(Resident.objects.order_by("pk").values()), list(Household.objects.order_by("pk").values()),
            list(HouseholdMembership.objects.order_by("pk").values()), _stats()) == snapshot
    assert AuditLog.objects.count() == audits + 1  # only the batch row
    assert AuditLog.objects.filter(action="registry.import").count() == 2


def test_reimport_with_changes_updates_and_audits_old_and_new(world, tmp_path):
    rows = _family()
    _run(world, write_csv(tmp_path / "v1.csv", rows))
    rows[0][0] = "张建华"
    rows[0][2] = "13900000009"
    rows[0][8] = "302"
    result = _run(world, write_csv(tmp_path / "v2.csv", rows))
    assert result.counts["updated"] == 1 and result.counts["unchanged"] == 2
    assert result.counts["households_updated"] == 1
    zhang = Resident.objects.get(id_number=rows[0][1])
    assert (zhang.name, zhang.phone, zhang.name_initials) == ("张建华", "13900000009", "zjh")
    assert Household.objects.get(number="F1").room == "302"
    audit = AuditLog.objects.get(action="resident.update", entity_id=str(zhang.pk))
    assert audit.changes["name"] == ["张建国", "张建华"] and audit.changes["phone"] == ["13800000001", "13900000009"]
    assert audit.actor == world.worker
    assert AuditLog.objects.get(action="household.update").changes == {"room": ["301", "302"]}


def test_blank_cells_do_not_erase_existing_values(world, tmp_path):
    row = resident_row("王小明", world.wang.id_number, area=GRID)
    result = _run(world, write_csv(tmp_path / "blank.csv", [row]))
    assert result.counts["unchanged"] == 1
    world.wang.refresh_from_db()
    assert world.wang.phone == "13812345678" and world.wang.household == world.household


def test_move_via_import_keeps_history_and_moves_counts(world, tmp_path):
    old = world.household
    row = resident_row("王小明", world.wang.id_number, household="NEW1", relation="户主", building="长青路5号")
    result = _run(world, write_csv(tmp_path / "move.csv", [row]))
    assert result.counts["moved"] == 1 and result.counts["households_created"] == 1
    world.wang.refresh_from_db()
    assert world.wang.household.number == "NEW1" and world.wang.area_code == COMMUNITY
    memberships = list(HouseholdMembership.objects.filter(resident=world.wang).order_by("started_at"))
    assert [m.household.number for m in memberships] == [old.number, "NEW1"]
    assert memberships[0].ended_at is not None and memberships[1].ended_at is None
    assert HouseholdMembership.objects.filter(resident=world.wang, ended_at__isnull=True).count() == 1
    old.refresh_from_db()
    assert old.head_id is None  # the head left
    assert Household.objects.get(number="NEW1").head == world.wang
    assert AuditLog.objects.get(action="resident.move").changes["household"] == [old.number, "NEW1"]
    assert AreaStats.objects.get(area=world.grid).residents == 1
    assert AreaStats.objects.get(area=world.community).residents == 2
    assert_stats_consistent()


def test_move_to_another_community_needs_a_household_number(world, tmp_path):
    row = resident_row("王小明", world.wang.id_number, area="431302001002")
    (error,) = _run(world, write_csv(tmp_path / "nohh.csv", [row]), actor=world.subdistrict_officer).errors
    assert error["column"] == "社区代码" and old_number(world) in error["reason"] and "户号" in error["reason"]


def old_number(world):
    return world.household.number


def test_new_head_replaces_the_old_one_who_becomes_other(world, tmp_path):
    row = resident_row("李娜", world.li.id_number, household=world.household.number, relation="户主", area=GRID)
    result = _run(world, write_csv(tmp_path / "head.csv", [row]))
    assert result.counts["heads_replaced"] == 1
    world.household.refresh_from_db()
    world.wang.refresh_from_db()
    assert world.household.head == world.li and world.wang.relation == "other"
    assert AuditLog.objects.filter(action="resident.update", entity_id=str(world.wang.pk)).exists()


def test_two_heads_for_one_household_refuse_the_second(world, tmp_path):
    rows = _family()
    rows[1][4] = "户主"
    (error,) = _run(world, write_csv(tmp_path / "heads.csv", rows)).errors
    assert error["row"] == 3 and error["column"] == "与户主关系" and "第 2 行" in error["reason"]


def test_rows_of_one_household_must_agree(world, tmp_path):
    rows = _family()
    rows[2][5] = "流动"
    rows[2][6] = "431302001002"
    errors = _run(world, write_csv(tmp_path / "disagree.csv", rows), actor=world.subdistrict_officer).errors
    assert {e["column"] for e in errors} == {"户别", "社区代码"} and all(e["row"] == 4 for e in errors)


def test_household_number_used_elsewhere_is_refused(world, tmp_path):
    row = resident_row("新人", make_id_number(), household=world.household2.number)
    (error,) = _run(world, write_csv(tmp_path / "h2.csv", [row])).errors
    assert error["column"] == "户号" and "其他辖区" in error["reason"]


def test_scope_refusal_per_row_uses_the_not_found_wording(world, tmp_path):
    rows = [resident_row("甲", make_id_number(), area="431381001001"),  # exists, outside the worker's scope
            resident_row("乙", make_id_number(), area="431381001099"),  # does not exist
            resident_row("丙", make_id_number(), area=GRID)]
    result = _run(world, write_csv(tmp_path / "scope.csv", rows))
    reasons = [e["reason"] for e in result.errors]
    assert [e["row"] for e in result.errors] == [2, 3]
    assert reasons[0].replace("431381001001", "X") == reasons[1].replace("431381001099", "X")
    assert Resident.objects.filter(name="丙", area_code=GRID).exists()
    assert not Resident.objects.filter(name="甲").exists()


def test_system_actor_imports_city_wide(world, tmp_path):
    rows = [resident_row("甲", make_id_number(), area="431381001001"), resident_row("乙", make_id_number())]
    result = _run(world, write_csv(tmp_path / "city.csv", rows), actor=SYSTEM)
    assert result.all_valid and result.counts["created"] == 2
    batch = AuditLog.objects.get(action="registry.import")
    assert batch.actor is None and batch.changes["counts"][1]["created"] == 2


def test_ids_of_deleted_residents_are_never_reused(world, tmp_path):
    last = max(world.li.pk, world.zhao.pk)
    Resident.objects.filter(pk__in=[world.li.pk, world.zhao.pk]).delete()  # row 2 + the largest left would be reused
    _run(world, write_csv(tmp_path / "new.csv", [resident_row("新人", make_id_number())]))
    assert Resident.objects.get(name="新人").pk > last


def test_every_created_entity_is_audited(world, tmp_path):
    _run(world, write_csv(tmp_path / "family.csv", _family()), batch_id="batch-7")
    created = AuditLog.objects.filter(action="resident.create", changes__import=[None, "batch-7"])
    assert created.count() == 3
    zhang = Resident.objects.get(name="张建国")
    entry = created.get(entity_id=str(zhang.pk))
    assert entry.changes["name"] == [None, "张建国"] and entry.changes["household"] == [None, "F1"]
    assert entry.area_code == COMMUNITY and entry.actor == world.worker
    assert AuditLog.objects.filter(action="household.create", changes__import=[None, "batch-7"]).count() == 1
    assert AuditLog.objects.filter(action="building.create", changes__import=[None, "batch-7"]).count() == 1


def test_big_batches_are_audited_by_their_batch_row(world, tmp_path, settings):
    settings.SHEQU_IMPORT_AUDIT_EACH_MAX = 3
    _run(world, write_csv(tmp_path / "family.csv", _family()), batch_id="big")  # 3 residents + household + building
    assert not AuditLog.objects.filter(changes__import=[None, "big"]).exists()
    batch = AuditLog.objects.get(action="registry.import")
    assert batch.changes["per_record_audit"] == [None, False] and batch.changes["counts"][1]["created"] == 3
    zhang = Resident.objects.get(name="张建国")
    assert zhang.created_at.isoformat() == batch.changes["written_at"][1]


def test_tags_are_added_never_removed(world, tmp_path):
    row = resident_row("王小明", world.wang.id_number, area=GRID, tags="高龄")
    result = _run(world, write_csv(tmp_path / "tags.csv", [row]))
    assert result.counts["updated"] == 1 and result.counts["tags_added"] == 1
    assert set(world.wang.tags.values_list("code", flat=True)) == {"party_member", "elderly"}
    assert AreaTagCount.objects.get(area=world.city, tag__code="elderly").residents == 1
    assert_stats_consistent()


def test_households_import_creates_updates_and_refuses(world, tmp_path):
    header = ["户号", "户别", "社区代码", "楼栋地址", "门牌/房号"]
    rows = [["H100", "流动", GRID, "长青路1号1栋", "502"], [world.household.number, "流动", COMMUNITY, "", ""],
            [world.household2.number, "", "431381001001", "", ""], ["H100", "", COMMUNITY, "", ""]]
    result = _run(world, write_csv(tmp_path / "hh.csv", rows, header=header), kind="households")
    assert result.counts["created"] == 1 and result.counts["updated"] == 1 and result.refused == 2
    assert [e["row"] for e in result.errors] == [4, 5]
    new = Household.objects.get(number="H100")
    assert new.kind == "floating" and new.grid == world.grid and new.building == world.building
    world.household.refresh_from_db()
    assert world.household.kind == "floating" and world.household.room == "101"
    assert_stats_consistent()


def test_buildings_import_creates_updates_and_is_idempotent(world, tmp_path):
    header = ["社区代码", "楼栋地址", "小区", "楼栋号", "纬度", "经度"]
    rows = [[COMMUNITY, "长青路1号1栋", "长青新村", "", "27.73", "111.99"], [GRID, "长青路3号", "", "3栋", "", ""],
            [COMMUNITY, "长青路4号", "", "", "95", ""]]
    path = write_csv(tmp_path / "bld.csv", rows, header=header)
    result = _run(world, path, kind="buildings")
    assert (result.counts["created"], result.counts["updated"], result.refused) == (1, 1, 1)
    assert result.errors[0]["column"] == "纬度"
    world.building.refresh_from_db()
    assert world.building.compound == "长青新村" and world.building.latitude == pytest.approx(27.73)
    assert Building.objects.get(address="长青路3号").grid == world.grid
    again = _run(world, path, kind="buildings")
    assert (again.counts["created"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 2)
    assert_stats_consistent()


def test_fast_id_parser_agrees_with_parse_id_number():
    from shequ.registry.idnumbers import IdNumberError, parse_id_number
    from shequ.registry.importing.fastpath import parse_id_fast

    today = dt.date.today()
    samples = [make_id_number(dt.date(1930 + i % 90, 1 + i % 12, 1 + i % 28), region=region)
               for i, region in enumerate(["431302", "431381", "110101", "430000", "431300"] * 40)]
    samples += ["431302500101123", "4313025001011", "999999198501011234", "43130219850230123X", "",
                "43130220991231123X", "4313021985030412", " 43130219850304123x ", "43130219850304ABCD"]
    for raw in samples:
        try:
            expected = parse_id_number(raw)
        except IdNumberError as exc:
            with pytest.raises(IdNumberError) as got:
                parse_id_fast(raw, today)
            assert got.value.code == exc.code, raw
        else:
            assert parse_id_fast(raw, today) == expected, raw


def test_fast_pinyin_agrees_with_pinyin_keys():
    from shequ.registry.importing.fastpath import pinyin_keys_fast
    from shequ.registry.names import pinyin_keys

    surnames = "王李张刘陈杨赵黄周吴单曾解区仇朴查盖乐覃欧阳长孙"
    given = "小明娜伟芳强长青重庆行乐都会朝阳银行音乐了觉得"
    names = [s + g1 + g2 for s in surnames for g1 in given for g2 in ("", *given[:6])]
    names += ["Tom", "阿卜杜拉·买买提", "王 小明", "长孙无忌", "单田芳", "曾国藩"]
    for name in names:
        assert pinyin_keys_fast(name) == pinyin_keys(name), name


def test_initial_bulk_load_rebuilds_the_indexes_it_dropped(world, tmp_path, settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the index rebuild is a PostgreSQL bulk-load path")

    def indexes():
        tables = ("registry_resident", "registry_household", "registry_householdmembership", "registry_residenttag")
        with connection.cursor() as c:
            c.execute("SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1, 2",
                      [list(tables)])
            found = c.fetchall()
            c.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' "
                      "AND conrelid::regclass::text = ANY(%s) ORDER BY 1", [list(tables)])
            return found, c.fetchall()

    before = indexes()
    HouseholdMembership.objects.all().delete()
    ResidentTag.objects.all().delete()
    Resident.objects.all().delete()
    Household.objects.all().delete()
    settings.SHEQU_IMPORT_REBUILD_INDEXES_MIN_ROWS = 1
    result = _run(world, write_csv(tmp_path / "family.csv", _family()), actor=SYSTEM)
    assert result.committed and result.counts["created"] == 3
    assert indexes() == before and len(before[1]) >= 8
    assert Household.objects.get(number="F1").head.name == "张建国"
    assert Resident.objects.filter(name_initials="zjg").count() == 1
