"""API validation errors (422 validation_failed) give each field's reason in the request's language, built from
pydantic's error type and context — not pydantic's English text (issue 2 item 8: a complete English switch,
zh-Hans by default; DESIGN.md §3 convention 5: user-facing messages translated)."""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import uuid
from decimal import Decimal
from typing import Any, Literal

import pytest
from django.test import Client
from django.utils import translation
from pydantic import BaseModel, ConfigDict, Field, Json, ValidationError, field_validator

from shequ.core.api import VALIDATION_MESSAGES, validation_message

IDEOGRAPHS = re.compile(r"[\u3400-\u9fff]")


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Everything(BaseModel):
    """One field per error type the handler translates."""

    model_config = ConfigDict(extra="forbid")
    required: str
    short: str = Field(min_length=15)
    long: str = Field(max_length=2)
    whole: int
    fraction: int
    number: float
    flag: bool
    day: dt.date
    day_with_time: dt.date
    moment: dt.datetime
    clock: dt.time
    colour: Colour
    mode: Literal["all_voters", "household_reps"]
    above: int = Field(gt=3)
    at_least: int = Field(ge=3)
    below: int = Field(lt=3)
    at_most: int = Field(le=3)
    step: int = Field(multiple_of=5)
    raw: Json
    items: list[int]
    few: list[int] = Field(min_length=2)
    many: list[int] = Field(max_length=1)
    mapping: dict[str, int]
    text: str
    count: int
    amount: Decimal = Field(max_digits=3)
    key: uuid.UUID
    digits: str = Field(pattern=r"^\d+$")
    checked: int

    @field_validator("checked")
    @classmethod
    def _refuse(cls, value: int) -> int:
        raise ValueError(translation.gettext("未找到该记录。"))


BAD = {
    "short": "4313021985", "long": "abc", "whole": "x", "fraction": 1.5, "number": "y", "flag": "maybe",
    "day": "2020-13-01", "day_with_time": "2020-01-01T10:00:00", "moment": "nope", "clock": "25:00",
    "colour": "pink", "mode": "anyone", "above": 1, "at_least": 1, "below": 5, "at_most": 5, "step": 3,
    "raw": "{bad", "items": "x", "few": [1], "many": [1, 2], "mapping": 3, "text": 5, "count": [1],
    "amount": "1234", "key": "x", "digits": "ab", "checked": 1, "surplus": 1,
}


def errors() -> dict[str, dict[str, Any]]:
    """pydantic's errors for BAD, keyed by field, as django-ninja hands them to the handler."""
    with pytest.raises(ValidationError) as exc:
        Everything.model_validate(BAD)
    out = {}
    for err in exc.value.errors(include_url=False):
        if "ctx" in err and isinstance(err["ctx"].get("error"), Exception):
            err["ctx"]["error"] = str(err["ctx"]["error"])
        out[str(err["loc"][0])] = dict(err)
    return out


# field → (pydantic type, zh-Hans, English)
EXPECTED = {
    "required": ("missing", "此项必填", "This field is required"),
    "short": ("string_too_short", "至少需要 15 个字符", "At least 15 characters"),
    "long": ("string_too_long", "最多 2 个字符", "At most 2 characters"),
    "whole": ("int_parsing", "请输入整数", "Enter a whole number"),
    "fraction": ("int_from_float", "请输入整数", "Enter a whole number"),
    "number": ("float_parsing", "请输入数字", "Enter a number"),
    "flag": ("bool_parsing", "请输入 true 或 false", "Enter true or false"),
    "day": ("date_from_datetime_parsing", "请输入有效日期（YYYY-MM-DD）", "Enter a valid date (YYYY-MM-DD)"),
    "day_with_time": ("date_from_datetime_inexact", "日期不能带有时间部分", "A date cannot include a time"),
    "moment": ("datetime_from_date_parsing", "请输入有效的日期时间（如 2026-01-31T08:30:00+08:00）",
               "Enter a valid date and time (e.g. 2026-01-31T08:30:00+08:00)"),
    "clock": ("time_parsing", "请输入有效时间（HH:MM）", "Enter a valid time (HH:MM)"),
    "colour": ("enum", "请选择以下值之一：'red', 'green' 或 'blue'", "Choose one of: 'red', 'green' or 'blue'"),
    "mode": ("literal_error", "请选择以下值之一：'all_voters' 或 'household_reps'",
             "Choose one of: 'all_voters' or 'household_reps'"),
    "above": ("greater_than", "必须大于 3", "Must be greater than 3"),
    "at_least": ("greater_than_equal", "不能小于 3", "Must be at least 3"),
    "below": ("less_than", "必须小于 3", "Must be less than 3"),
    "at_most": ("less_than_equal", "不能大于 3", "Must be at most 3"),
    "step": ("multiple_of", "必须是 5 的倍数", "Must be a multiple of 5"),
    "raw": ("json_invalid", "不是有效的 JSON", "Not valid JSON"),
    "items": ("list_type", "应为列表", "Must be a list"),
    "few": ("too_short", "至少需要 2 项", "At least 2 items"),
    "many": ("too_long", "最多只能有 1 项", "At most 1 item"),
    "mapping": ("dict_type", "应为对象", "Must be an object"),
    "text": ("string_type", "应为字符串", "Must be text"),
    "count": ("int_type", "请输入整数", "Enter a whole number"),
    "amount": ("decimal_max_digits", "最多 3 位数字", "At most 3 digits in total"),
    "key": ("uuid_parsing", "请输入有效的 UUID", "Enter a valid UUID"),
    "digits": ("string_pattern_mismatch", "格式不正确", "The format is not valid"),
    "checked": ("value_error", "未找到该记录。", "Record not found."),
    "surplus": ("extra_forbidden", "不允许此字段", "This field is not allowed"),
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_error_type_is_translated_with_its_context(language):
    with translation.override(language):  # as in a request: validated and answered in its language
        found = errors()
        got = {field: (err["type"], validation_message(err)) for field, err in found.items()}
    assert sorted(found) == sorted(EXPECTED)
    column = 1 if language == "zh-hans" else 2
    assert got == {field: (row[0], row[column]) for field, row in EXPECTED.items()}
    assert all(row[0] in VALIDATION_MESSAGES for row in EXPECTED.values())


def test_unknown_types_and_unexpected_context_keep_pydantics_text():
    with translation.override("zh-hans"):
        assert validation_message({"type": "complex_type", "msg": "Input should be a valid complex number"}) == (
            "Input should be a valid complex number"
        )
        # a known type whose context lacks what the message needs
        assert validation_message({"type": "string_too_short", "ctx": {}, "msg": "String is short"}) == (
            "String is short"
        )
        assert validation_message({"cursor": "Invalid Cursor"}) == ""


def _move(client: Client, world: Any, **headers: str) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/registry/residents/{world.wang.pk}/move",
        json.dumps({"household_id": "abc", "reason": "搬"}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == "validation_failed"
    return body


def test_a_zh_hans_client_gets_chinese_details_and_an_english_one_english(world):
    client = Client()
    client.force_login(world.worker)
    for headers in ({}, {"accept-language": "zh-CN,zh;q=0.9"}):
        body = _move(client, world, **headers)
        assert body["message"] == "提交的数据有误。"
        assert body["details"] == [
            {"field": "household_id", "message": "请输入整数", "code": "int_parsing"},
            {"field": "reason", "message": "至少需要 2 个字符", "code": "string_too_short"},
        ]
    body = _move(client, world, **{"accept-language": "en"})
    assert body["details"] == [
        {"field": "household_id", "message": "Enter a whole number", "code": "int_parsing"},
        {"field": "reason", "message": "At least 2 characters", "code": "string_too_short"},
    ]
    assert not IDEOGRAPHS.search(json.dumps(body, ensure_ascii=False))


def test_query_parameters_and_a_machine_clients_token_follow_the_language_too(world):
    url = "/api/v1/registry/residents"
    query = {"page": "0", "page_size": "999", "status": "gone", "household_id": "abc"}
    token = {"authorization": f"Bearer {world.machine_key}"}
    zh = Client().get(url, query, headers=token)
    assert zh.status_code == 422
    assert {d["field"]: d["message"] for d in zh.json()["details"]} == {
        "page": "不能小于 1",
        "page_size": "不能大于 200",
        "status": "请选择以下值之一：'', 'active', 'moved_out' 或 'deceased'",
        "household_id": "请输入整数",
    }
    en = Client().get(url, query, headers={**token, "accept-language": "en-US,en;q=0.8"})
    assert {d["field"]: d["message"] for d in en.json()["details"]} == {
        "page": "Must be at least 1",
        "page_size": "Must be at most 200",
        "status": "Choose one of: '', 'active', 'moved_out' or 'deceased'",
        "household_id": "Enter a whole number",
    }
    assert en.json()["message"] == "The submitted data is invalid."


def test_missing_fields_and_a_bad_boolean(world):
    client = Client()
    client.force_login(world.admin)
    missing = client.post("/api/v1/registry/residents", json.dumps({"phone": "x"}), content_type="application/json",
                          headers={"accept-language": "en"})
    assert {(d["field"], d["message"]) for d in missing.json()["details"]} == {
        ("name", "This field is required"), ("id_number", "This field is required")
    }
    flag = client.get("/api/v1/accounts/users", {"active": "maybe"})
    assert flag.json()["details"] == [{"field": "active", "message": "请输入 true 或 false", "code": "bool_parsing"}]
