"""Reading uploaded tables row by row: .csv (any common Chinese encoding) and .xlsx (read-only, streamed).

Readers yield (row number as the user sees it, raw values, cell problems). They never load the whole file:
CSV is decoded incrementally, .xlsx is parsed with openpyxl's read-only mode. Cell problems are formula
cells, error values and merged ranges, keyed by 0-based column index, with the cell or range named.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

CSV_EXTENSIONS = (".csv",)
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
SNIFF_BYTES = 256 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The sheet a downloaded template carries next to the data sheet; never imported, never warned about.
INSTRUCTIONS_SHEET = "填写说明"

Row = tuple[int, list[Any], dict[int, str]]


class ImportFileError(Exception):
    """The file as a whole cannot be imported (its type, encoding, structure or columns)."""

    def __init__(self, message: str, details: dict[str, Any] | None = None):
        self.message = message
        self.details = details or {}
        super().__init__(message)


@dataclass
class Table:
    rows: Iterator[Row]
    estimated_rows: int
    warnings: list[str] = field(default_factory=list)
    # merged ranges: (min_col, min_row, max_col, max_row, "A5:A7"), 1-based like Excel
    merged: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    encoding: str = ""


def open_table(path: Path, filename: str) -> Table:
    ext = Path(filename).suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(8)
    if ext == ".xls":
        raise ImportFileError(_("不支持旧版 .xls 格式，请在 Excel 中“另存为” .xlsx 后再导入"))
    if ext not in CSV_EXTENSIONS + XLSX_EXTENSIONS:
        raise ImportFileError(
            _("不支持的文件类型“%(ext)s”：请上传 .xlsx 或 .csv 文件") % {"ext": ext or filename},
            {"extension": ext},
        )
    if not head:
        raise ImportFileError(_("文件是空的"))
    if ext in XLSX_EXTENSIONS:
        if head.startswith(_OLE_MAGIC):
            raise ImportFileError(_("这是旧版 .xls 文件或加密的工作簿，请取消密码并在 Excel 中“另存为” .xlsx"))
        if not head.startswith(_ZIP_MAGIC):
            raise ImportFileError(_("文件不是有效的 .xlsx 工作簿（可能已损坏，或是其他格式的文件改了扩展名）"))
        return _open_xlsx(path)
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        raise ImportFileError(
            _("文件内容是 Excel 工作簿，但扩展名是 .csv；请将扩展名改为 .xlsx，或在 Excel 中另存为 CSV")
        )
    return _open_csv(path)


# --- CSV -------------------------------------------------------------------------------------------------


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK and GB2312), else ask
    charset-normalizer."""
    with open(path, "rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise ImportFileError(_("文件不是文本格式的 CSV（含有二进制内容）"))
    if _decodes(sample, "utf-8"):
        return "utf-8"
    if _decodes(sample, "gb18030"):
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise ImportFileError(_("无法识别文件的字符编码，请另存为 UTF-8 或 GBK 编码的 CSV"))
    return str(best.encoding)


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def _open_csv(path: Path) -> Table:
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        first = fh.readline()
    delimiter = max(",\t;|", key=first.count) if first else ","
    if first.count(delimiter) == 0:
        delimiter = ","
    return Table(rows=_csv_rows(path, encoding, delimiter), estimated_rows=_count_lines(path), encoding=encoding)


def _bad_line(path: Path, encoding: str) -> int:
    """The physical line holding the first undecodable bytes (only called once decoding has failed)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                return number
    return 0


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[Row]:
    no_problems: dict[int, str] = {}
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        row_no = 0
        try:
            for row_no, values in enumerate(reader, start=1):
                yield row_no, values, no_problems
        except UnicodeDecodeError:
            line = _bad_line(path, encoding)
            raise ImportFileError(
                _("第 %(row)d 行有无法按 %(enc)s 编码读取的字符，请检查文件编码（建议整个文件另存为 UTF-8）")
                % {"row": line, "enc": encoding.upper()},
                {"row": line},
            ) from None
        except csv.Error as exc:
            raise ImportFileError(
                _("第 %(row)d 行的 CSV 格式有误：%(err)s") % {"row": row_no + 1, "err": exc}, {"row": row_no + 1}
            ) from None


# --- XLSX ------------------------------------------------------------------------------------------------

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')


def _merged_ranges(ws: Any) -> list[tuple[int, int, int, int, str]]:
    """Read-only worksheets do not expose merged cells; scan the sheet XML for them (they follow the data)."""
    from openpyxl.utils.cell import range_boundaries

    archive = getattr(ws.parent, "_archive", None)
    sheet_path = getattr(ws, "_worksheet_path", None)
    if archive is None or sheet_path is None:
        return []
    refs: set[str] = set()
    tail = b""
    with archive.open(sheet_path) as fh:
        while chunk := fh.read(1 << 20):
            buf = tail + chunk
            for match in _MERGE.finditer(buf):
                if match.end() > len(tail):
                    refs.add(match.group(1).decode())
            tail = buf[-256:]
    out = []
    for ref in sorted(refs):
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        out.append((min_col, min_row, max_col, max_row, ref))
    return out


def _open_xlsx(path: Path) -> Table:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        sheets = wb.worksheets
        if not sheets:
            raise ImportFileError(_("工作簿中没有工作表"))
        ws = sheets[0]
        estimated = ws.max_row or 0
        merged = _merged_ranges(ws)
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError, AttributeError):
        raise ImportFileError(_("文件不是有效的 .xlsx 工作簿（可能已损坏，或是其他格式的文件改了扩展名）")) from None
    except Exception as exc:  # openpyxl raises many types for broken packages
        raise ImportFileError(
            _("无法读取该 .xlsx 文件：%(err)s") % {"err": type(exc).__name__}
        ) from None
    warnings = []
    others = [s.title for s in sheets[1:] if s.title != INSTRUCTIONS_SHEET]
    if others:
        warnings.append(
            _("只导入第一个工作表“%(first)s”，其他工作表（%(others)s）已忽略")
            % {"first": ws.title, "others": "、".join(others)}
        )
    return Table(rows=_xlsx_rows(wb, ws, merged), estimated_rows=estimated, warnings=warnings, merged=merged)


def _xlsx_rows(wb: Any, ws: Any, merged: list[tuple[int, int, int, int, str]]) -> Iterator[Row]:
    # Per-row lookup of merged ranges (they are few; a range spanning many rows is listed on each).
    by_row: dict[int, list[tuple[int, int, str]]] = {}
    for min_col, min_row, max_col, max_row, ref in merged:
        for r in range(min_row, min(max_row, min_row + 100_000) + 1):
            by_row.setdefault(r, []).append((min_col, max_col, ref))
    try:
        ws.reset_dimensions()  # a wrong <dimension> must not truncate the sheet
        for row_no, cells in enumerate(ws.iter_rows(), start=1):
            values: list[Any] = []
            problems: dict[int, str] = {}
            for index, cell in enumerate(cells):
                value = cell.value
                kind = getattr(cell, "data_type", None)
                if kind == "f":
                    text = str(getattr(value, "text", value))
                    problems[index] = _("单元格 %(cell)s 含公式（%(f)s），请复制后“选择性粘贴→数值”再导入") % {
                        "cell": cell.coordinate, "f": text[:40]}
                    value = None
                elif kind == "e":
                    problems[index] = _("单元格 %(cell)s 是错误值 %(v)s") % {"cell": cell.coordinate, "v": value}
                    value = None
                values.append(value)
            for min_col, max_col, ref in by_row.get(row_no, ()):
                for col in range(min_col, max_col + 1):
                    problems.setdefault(
                        col - 1, _("单元格 %(range)s 是合并单元格，请取消合并并在每一行填写完整的值") % {"range": ref}
                    )
                    while len(values) < col:
                        values.append(None)
            yield row_no, values, problems
    except ImportFileError:
        raise
    except Exception as exc:  # a broken sheet part shows up only while streaming
        raise ImportFileError(
            _("读取 .xlsx 文件时出错（文件可能已损坏）：%(err)s") % {"err": type(exc).__name__}
        ) from None
    finally:
        wb.close()
