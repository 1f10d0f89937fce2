"""Every kind of bad input named in issue 2 is answered with a clear, translated message saying where and
why — never an exception — and valid rows next to bad ones are not lost."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from stdnum.cn import ric

from shequ.core.testing.factories import make_id_number
from shequ.registry.importing.engine import run_import
from shequ.registry.importing.testing import (
    RESIDENT_HEADER,
    import_tmp,  # noqa: F401 - fixture
    resident_row,
    write_csv,
    write_xlsx,
)
from shequ.registry.models import Resident


def _run(world, path, *, actor=None, dry_run=True, **kw):
    return run_import(kind=kw.pop("kind", "residents"), path=path, filename=path.name, actor=actor or world.worker,
                      dry_run=dry_run, **kw)


def _errors_by_row(result):
    out = {}
    for e in result.errors:
        out.setdefault(e["row"], []).append(e)
    return out


def _with_check(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("4313021985030412", "实际 16 位"),  # length
        (_with_check("43130219850304001")[:-1] + ("1" if _with_check("43130219850304001")[-1] != "1" else "2"),
         "校验位"),  # checksum
        (_with_check("43130219850230001"), "出生日期不存在"),  # 30 February
        (_with_check("99999919850304001"), "地址码 999999"),  # unknown address code
        ("43130219850304ABCD", "前 17 位必须是数字"),
    ],
)
def test_malformed_id_numbers_are_refused_per_row_with_the_reason(world, tmp_path, bad, reason):
    good = make_id_number(dt.date(1990, 5, 5))
    path = write_csv(tmp_path / "ids.csv", [resident_row("坏号", bad), resident_row("好号", good)])
    result = _run(world, path, dry_run=False)
    errors = _errors_by_row(result)
    assert list(errors) == [2]
    (error,) = errors[2]
    assert error["column"] == "公民身份号码" and error["value"] == bad and reason in error["reason"]
    assert result.counts["created"] == 1 and result.counts["refused"] == 1
    assert Resident.objects.filter(id_number=good).exists()


def test_legacy_15_digit_number_is_upgraded(world, tmp_path):
    path = write_csv(tmp_path / "old.csv", [resident_row("老号", "431302500101123")])
    result = _run(world, path, dry_run=False)
    assert result.all_valid and result.counts["ids_upgraded"] == 1
    resident = Resident.objects.get(name="老号")
    assert resident.id_number.startswith("43130219500101123") and len(resident.id_number) == 18


def test_duplicates_inside_the_file_keep_the_first_and_name_it(world, tmp_path):
    number = make_id_number(dt.date(1991, 1, 1))
    path = write_csv(tmp_path / "dup.csv", [resident_row("甲", number), resident_row("乙", number.lower())])
    result = _run(world, path, dry_run=False)
    (error,) = result.errors
    assert error["row"] == 3 and error["column"] == "公民身份号码" and "第 2 行" in error["reason"]
    assert Resident.objects.get(id_number=number).name == "甲"


def test_15_and_18_digit_forms_of_one_number_are_duplicates(world, tmp_path):
    path = write_csv(tmp_path / "dup15.csv", [
        resident_row("老号", "431302500101123"), resident_row("新号", _with_check("43130219500101123"))])
    result = _run(world, path)
    assert [e["row"] for e in result.errors] == [3]


def test_duplicate_against_database_in_scope_is_an_update(world, tmp_path):
    path = write_csv(tmp_path / "same.csv", [resident_row("王小明", world.wang.id_number, phone="13800000000",
                                                          area="431302001001001")])
    result = _run(world, path, dry_run=False)
    assert result.all_valid and result.counts["updated"] == 1 and result.counts["created"] == 0
    world.wang.refresh_from_db()
    assert world.wang.phone == "13800000000"


def test_id_registered_outside_the_actors_scope_is_refused(world, tmp_path):
    path = write_csv(tmp_path / "other.csv", [resident_row("冒名", world.zhao.id_number)])
    result = _run(world, path, dry_run=False)
    (error,) = result.errors
    assert error["column"] == "公民身份号码" and "其他辖区" in error["reason"]
    assert "赵强" not in error["reason"]
    world.zhao.refresh_from_db()
    assert world.zhao.name == "赵强"


def test_missing_column_is_named_with_the_close_match(world, tmp_path):
    header = ["姓名", "身份证号吗", "社区代码"]
    path = write_csv(tmp_path / "cols.csv", [["甲", make_id_number(), "431302001001"]], header=header)
    result = _run(world, path)
    assert "公民身份号码" in result.file_error and "身份证号吗" in result.file_error
    assert result.file_error_details["missing"] == ["公民身份号码"]
    assert result.file_error_details["suggestions"] == {"公民身份号码": "身份证号吗"}
    assert result.counts["created"] == 0


def test_missing_column_without_any_close_match(world, tmp_path):
    path = write_csv(tmp_path / "cols.csv", [["甲", "431302001001"]], header=["姓名", "社区代码"])
    result = _run(world, path)
    assert result.file_error == "缺少必填列“公民身份号码”"


def test_misnamed_optional_column_is_ignored_with_a_suggestion(world, tmp_path):
    header = ["姓名", "公民身份号码", "社区代码", "联系电活"]
    path = write_csv(tmp_path / "typo.csv", [["甲", make_id_number(), "431302001001", "13800000000"]], header=header)
    result = _run(world, path)
    assert result.all_valid
    assert any("联系电活" in w and "联系电话" in w for w in result.warnings)


def test_english_header_aliases_are_accepted(world, tmp_path):
    header = ["Name", "ID Number", "Phone", "Household Number", "Relation", "Household Kind", "Community Code"]
    path = write_csv(tmp_path / "en.csv", [["Tom", make_id_number(), "13800000000", "E1", "head", "floating",
                                            "431302001001"]], header=header)
    result = _run(world, path, dry_run=False)
    assert result.all_valid and not result.warnings
    assert Resident.objects.get(name="Tom").household.kind == "floating"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_chinese_encodings_of_csv_are_detected(world, tmp_path, encoding):
    number = make_id_number(dt.date(1970, 7, 7))
    path = write_csv(tmp_path / f"{encoding}.csv", [resident_row("欧阳娜娜", number, relation="户主", household="G1",
                                                                 kind="流动", building="长青路2号", tags="低保、党员")],
                     encoding=encoding)
    result = _run(world, path, dry_run=False)
    assert result.all_valid, result.errors
    resident = Resident.objects.get(id_number=number)
    assert resident.name == "欧阳娜娜" and resident.relation == "head"
    assert sorted(resident.tags.values_list("code", flat=True)) == ["dibao", "party_member"]


def test_undecodable_bytes_later_in_a_csv_are_reported_with_the_line(world, tmp_path):
    path = tmp_path / "mixed.csv"
    head = ",".join(RESIDENT_HEADER) + "\n" + ("甲," + make_id_number() + ",,,,,431302001001,,,\n") * 20000
    path.write_bytes(head.encode("utf-8") + b"\xff\xfe\xfa,bad\n")
    result = _run(world, path)
    assert "无法按" in result.file_error and "20002" in result.file_error


def test_merged_cells_in_data_rows_refuse_those_rows_naming_the_range(world, tmp_path):
    rows = [resident_row("甲", make_id_number(), household="M1"), resident_row("乙", make_id_number(), household="M1"),
            resident_row("丙", make_id_number())]
    path = write_xlsx(tmp_path / "merged.xlsx", rows, merges=("D2:D3",))
    result = _run(world, path, dry_run=False)
    errors = _errors_by_row(result)
    assert sorted(errors) == [2, 3]
    assert all("D2:D3" in e["reason"] and "合并单元格" in e["reason"] for e in errors[2] + errors[3])
    assert Resident.objects.filter(name="丙").exists()


def test_merged_cells_in_the_header_refuse_the_file(world, tmp_path):
    path = write_xlsx(tmp_path / "mh.xlsx", [resident_row("甲", make_id_number())], merges=("A1:B1",))
    result = _run(world, path)
    assert "A1:B1" in result.file_error


def test_a_merged_title_row_above_the_header_is_fine(world, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["长青社区居民花名册"])
    ws.merge_cells("A1:J1")
    ws.append(RESIDENT_HEADER)
    ws.append(resident_row("甲", make_id_number()))
    path = tmp_path / "title.xlsx"
    wb.save(path)
    result = _run(world, path)
    assert result.all_valid and result.counts["created"] == 1


def test_blank_rows_are_skipped_and_counted(world, tmp_path):
    rows = [resident_row("甲", make_id_number()), ["", "", "", "", "", "", "", "", "", ""], [" "] * 10,
            resident_row("乙", make_id_number())]
    path = write_xlsx(tmp_path / "blank.xlsx", rows)
    result = _run(world, path, dry_run=False)
    assert result.all_valid and result.counts["blank"] == 2 and result.counts["created"] == 2


def test_formula_cells_are_refused_naming_the_cell(world, tmp_path):
    rows = [resident_row("甲", make_id_number()), resident_row("乙", make_id_number())]
    rows[1][2] = '="138"&"00000000"'
    path = write_xlsx(tmp_path / "formula.xlsx", rows)
    result = _run(world, path, dry_run=False)
    (error,) = result.errors
    assert error["row"] == 3 and error["column"] == "联系电话"
    assert "C3" in error["reason"] and "粘贴" in error["reason"]
    assert Resident.objects.filter(name="甲").exists() and not Resident.objects.filter(name="乙").exists()


def test_id_numbers_stored_as_excel_numbers_are_refused(world, tmp_path):
    rows = [resident_row("甲", make_id_number())]
    rows[0][1] = 431302198501010000.0
    path = write_xlsx(tmp_path / "num.xlsx", rows)
    (error,) = _run(world, path).errors
    assert "B2" in error["reason"] and "文本格式" in error["reason"]


def test_scientific_notation_from_excel_csv_is_explained(world, tmp_path):
    path = write_csv(tmp_path / "sci.csv", [resident_row("甲", "4.31302E+17")])
    (error,) = _run(world, path).errors
    assert "科学计数法" in error["reason"]


def test_corrupt_xlsx_is_refused(world, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    assert "不是有效的 .xlsx" in _run(world, path).file_error


def test_text_renamed_to_xlsx_is_refused(world, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("姓名,公民身份号码\n", encoding="utf-8")
    assert "不是有效的 .xlsx" in _run(world, path).file_error


def test_old_xls_and_wrong_extensions_are_refused(world, tmp_path):
    for name, needle in (("old.xls", ".xls"), ("notes.pdf", ".pdf"), ("noext", "noext")):
        path = tmp_path / name
        path.write_bytes(b"%PDF-1.4")
        assert needle in _run(world, path).file_error


def test_xlsx_content_with_csv_extension_is_refused(world, tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", [resident_row("甲", make_id_number())])
    renamed = path.rename(tmp_path / "book.csv")
    assert "扩展名" in _run(world, renamed).file_error


def test_empty_file_is_refused(world, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert _run(world, path).file_error == "文件是空的"


def test_bad_values_in_other_columns_are_each_reported(world, tmp_path):
    row = resident_row("", make_id_number(), phone="12345", household="户/1", relation="邻居", kind="暂住",
                       area="431302001099", tags="不存在的标签")
    path = write_csv(tmp_path / "vals.csv", [row])
    errors = _run(world, path).errors
    columns = {e["column"] for e in errors}
    assert columns == {"姓名", "联系电话", "户号", "与户主关系", "户别", "社区代码", "标签"}
    assert all(e["row"] == 2 and e["reason"] for e in errors)


def test_invisible_characters_are_refused_but_odd_spaces_are_tolerated(world, tmp_path):
    rows = [resident_row("王\x07明", make_id_number()), resident_row("李\u00a0娜", make_id_number(), household="S1",
                                                                     room="1\u3000单元")]
    result = _run(world, write_csv(tmp_path / "ctl.csv", rows), dry_run=False)
    (error,) = result.errors
    assert error["row"] == 2 and error["column"] == "姓名" and "不可见字符" in error["reason"]
    assert Resident.objects.get(name="李 娜").household.room == "1 单元"


def test_oversize_upload_is_refused_before_reading(world, import_tmp, settings):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shequ.core.errors import ApplicationError
    from shequ.registry.importing.services import upload_save

    settings.SHEQU_IMPORT_MAX_BYTES = 100
    with pytest.raises(ApplicationError) as exc:
        upload_save(actor=world.worker, uploaded=SimpleUploadedFile("big.csv", b"x" * 101))
    assert exc.value.status == 413 and "100" in str(exc.value.message)


def test_an_english_import_gives_its_reasons_in_english(world, import_tmp, settings):  # noqa: F811
    """An import started from an English page is answered in English: the job carries the request's language
    (core.jobs.as_job_creator, params["language"]) and runs in it, whatever the language of the thread that runs
    it; the refusals answered at once (encoding, size) follow the active language too."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    from shequ.core.errors import ApplicationError
    from shequ.core.jobs import run_job
    from shequ.registry.importing.services import import_start, upload_save

    ideographs = re.compile(r"[\u3400-\u9fff]")
    good = _with_check("43130219850304001")
    bad_check = good[:-1] + ("1" if good[-1] != "1" else "2")
    rows = [resident_row("甲", bad_check), resident_row("乙", make_id_number())]
    rows[1][2] = '="138"&"00000000"'
    book = write_xlsx(import_tmp / "english.xlsx", rows)
    with translation.override("en"):
        upload = upload_save(actor=world.worker, uploaded=SimpleUploadedFile("english.xlsx", book.read_bytes()))
        job = import_start(actor=world.worker, kind="residents", upload=upload, dry_run=True)
    assert job.params["language"] == "en"
    assert translation.get_language() == "zh-hans"  # the job runs here, in a Chinese thread
    job = run_job(job.pk)
    reasons = {e["row"]: e["reason"] for e in job.result["errors"]}
    assert sorted(reasons) == [2, 3]
    assert "check digit is wrong" in reasons[2]
    assert "C3" in reasons[3] and "formula" in reasons[3] and "Paste Special" in reasons[3]
    assert not any(ideographs.search(reason) for reason in reasons.values()), reasons
    # the same file started from a Chinese page answers in Chinese
    with translation.override("zh-hans"):
        chinese = run_job(import_start(actor=world.worker, kind="residents", upload=upload, dry_run=True).pk)
    assert "校验位" in {e["row"]: e["reason"] for e in chinese.result["errors"]}[2]

    # a GBK file with undecodable bytes further down: the line and the encoding, in English
    gbk = import_tmp / "gbk.csv"
    head = ",".join(RESIDENT_HEADER) + "\n" + ("欧阳娜娜," + make_id_number() + ",,,,,431302001001,,,\n") * 12000
    gbk.write_bytes(head.encode("gbk") + b"\xff\xff,bad\n")
    with translation.override("en"):
        file_error = _run(world, gbk).file_error
    assert "12002" in file_error and "cannot be read as GB18030" in file_error
    assert not ideographs.search(file_error)

    # a file over the upload limit
    settings.SHEQU_IMPORT_MAX_BYTES = 100
    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        upload_save(actor=world.worker, uploaded=SimpleUploadedFile("big.csv", b"x" * 101))
    message = str(exc.value.message)
    assert exc.value.status == 413 and "over the upload limit of 100" in message
    assert not ideographs.search(message)
