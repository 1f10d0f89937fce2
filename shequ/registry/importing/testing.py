"""Helpers for the import and export tests: writing .csv/.xlsx files and reading .xlsx answers."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

RESIDENT_HEADER = [
    "姓名", "公民身份号码", "联系电话", "户号", "与户主关系", "户别", "社区代码", "楼栋地址", "门牌/房号", "标签",
]


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8", header: list[str] | None = None) -> Path:
    import csv

    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or RESIDENT_HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path, rows: list[list[Any]], header: list[str] | None = None, merges: tuple[str, ...] = ()
) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header or RESIDENT_HEADER)
    for row in rows:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def read_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def resident_row(name: str, id_number: str, *, phone: str = "", household: str = "", relation: str = "",
                 kind: str = "", area: str = "431302001001", building: str = "", room: str = "",
                 tags: str = "") -> list[str]:
    return [name, id_number, phone, household, relation, kind, area, building, room, tags]


@pytest.fixture
def import_tmp(tmp_path, settings):  # type: ignore[no-untyped-def]
    """Uploads and reports go to a temporary directory; jobs run inline. (conftest.py's
    SHEQU_TASK_BACKEND=sync comes too late: pytest-django has read the settings before conftest runs.)"""
    settings.SHEQU_IMPORT_DIR = tmp_path / "imports"
    settings.SHEQU_TASK_BACKEND = "sync"
    return tmp_path
