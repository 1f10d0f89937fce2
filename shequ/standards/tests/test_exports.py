"""The .xlsx and PDF exports: contents checked cell by cell (openpyxl) and in the PDF's own streams, and each
export written to the access log."""

from __future__ import annotations

import base64
import io
import re
import zlib
from typing import Any

import openpyxl
import pytest

from shequ.core.models import AccessLog
from shequ.standards import exports, problems, selectors
from shequ.standards.tests import test_dashboard_data as data


@pytest.fixture
def cworld(world):  # type: ignore[no-untyped-def]
    return data.build(world)


def cells(content: bytes, sheet: str) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [v for row in book[sheet].iter_rows(values_only=True) for v in row if v is not None]


def rows(content: bytes, sheet: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def test_xlsx_summary_and_detail_sheets(client, cworld):
    client.force_login(cworld.world.admin)
    response = client.get("/standards/export.xlsx", {"area": "4313", "year": "2024"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="compliance-4313-2024.xlsx"' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["汇总", "下级区域", "明细"]

    summary = rows(response.content, "汇总")
    assert summary[0][0] == "娄底市 2024 年社区建设达标情况"
    premises = next(r for r in summary if r and r[0] == "公共服务用房面积")
    assert premises[:7] == ("公共服务用房面积", 1, 2, 0, 33.3, 148, "平方米")
    funds = next(r for r in summary if r and r[0] == "工作运转经费")
    assert funds[2] == 2 and funds[5] == 100000 and funds[6] == "元"

    children = rows(response.content, "下级区域")
    assert children[1][:2] == ("431302", "娄星区") and children[2][:2] == ("431381", "冷水江市")

    detail = rows(response.content, "明细")
    header, body = detail[0], detail[1:]
    assert header[:8] == ("区划代码", "社区（村）", "街道（乡镇）", "社区类别", "年度", "标准", "结果", "实际")
    assert len(body) == 20  # every community × rule of 2024
    mine = next(r for r in body if r[0] == "431302001001" and r[5] == "公共服务用房面积")
    assert mine[1:8] == ("长青社区", "乐坪街道", "中心城区社区", 2024, "公共服务用房面积", "未达标", 352)
    assert (mine[8], mine[9], mine[10], mine[11]) == (400, "平方米", 48, "平方米")
    assert mine[12] == "娄底市社区建设标准 第 2 版" and mine[13] == cworld.version.citation
    rooms = next(r for r in body if r[0] == "431302001001" and r[5] == "功能室")
    assert rooms[14] == "缺少：调解室、慈善超市"

    log = AccessLog.objects.get()
    assert (log.kind, log.entity_type, log.area_code, log.row_count) == ("export", "compliance_result", "4313", 20)
    assert log.actor == cworld.world.admin and log.query["format"] == "xlsx" and log.query["year"] == 2024


def test_xlsx_is_cut_to_the_area_and_kind(client, cworld):
    client.force_login(cworld.world.district_officer)
    content = client.get("/standards/export.xlsx", {"area": "431302", "kind": "central_urban"}).content
    codes = {r[0] for r in rows(content, "明细")[1:]}
    assert codes == {"431302001001", "431302001002"}
    assert client.get("/standards/export.xlsx", {"area": "4313"}).status_code == 404
    assert AccessLog.objects.count() == 1  # the refused one is not logged


def _literal(raw: bytes) -> bytes:
    """A PDF string literal's bytes (backslash escapes, octal included, undone)."""
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(0), 8) & 0xFF)
            i += 1 + len(octal.group(0))
        else:
            nxt = raw[i + 1 : i + 2]
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
    return bytes(out)


def pdf_text(content: bytes) -> str:
    """Every string drawn in the PDF's page streams (decoded: ASCII85, Flate, then UTF-16BE for the CID font
    reportlab uses for Chinese), joined without separators so text wrapped over lines still matches."""
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S):
        chunk = stream.strip()
        try:
            if chunk.endswith(b"~>"):
                chunk = base64.a85decode(chunk[:-2], adobe=False)
            chunk = zlib.decompress(chunk)
        except (ValueError, zlib.error):
            pass  # an uncompressed stream
        for font, raw in re.findall(rb"/(F\d+) [\d.]+ Tf[^(]*?\(((?:\\.|[^\\)])*)\) Tj", chunk, re.S):
            text = _literal(raw)
            parts.append(text.decode("utf-16-be", "replace") if font != b"F1" else text.decode("latin-1"))
    return "".join(parts)


def test_pdf_holds_the_report_and_the_table(client, cworld):
    client.force_login(cworld.world.admin)
    response = client.get("/standards/export.pdf", {"area": "4313"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF-") and b"STSong-Light" in content
    assert len(content) > 3000
    text = pdf_text(content)
    assert "娄底市 2024 年社区建设达标问题报告" in text
    assert "一、社区服务用房面积不达标" in text and "长青社区（差 48 平方米）" in text
    assert "缺口合计 100,000 元" in text
    assert "达标情况汇总" in text and "33.3%" in text
    log = AccessLog.objects.get()
    assert log.query["format"] == "pdf" and log.area_code == "4313" and log.row_count == 20


def test_pdf_page_count_and_capped_names(cworld):
    w = cworld.world
    area = selectors.standards_area(viewer=w.admin, code="4313")
    content, few = exports.report_pdf(problems.problems_report(viewer=w.admin, area=area, year=2024))
    assert few >= 1 and len(re.findall(rb"/Type /Page\b(?!s)", content)) == few
    for seq in range(10, 130):
        data.fill_year(data.add_community(w.subdistrict, seq), 2024, short=True)
    content, many = exports.report_pdf(problems.problems_report(viewer=w.admin, area=area, year=2024))
    assert many >= few and len(re.findall(rb"/Type /Page\b(?!s)", content)) == many
    text = pdf_text(content)
    assert "娄星区 121 个：" in text and "等（另有 91 个）" in text  # 121 short there, 30 of them named
