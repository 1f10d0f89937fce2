"""公民身份号码 (GB 11643-1999) through python-stdnum's cn.ric, with legacy 15-digit upgrade."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric


@dataclass(frozen=True)
class IdNumber:
    number: str
    sex: str  # "M" / "F"
    birth_date: dt.date
    upgraded_from: str = ""


class IdNumberError(ValueError):
    def __init__(self, code: str, message: object):
        self.code = code
        self.message = message
        super().__init__(str(message))


def upgrade_legacy(number: str) -> str:
    """15-digit numbers (before 1999) gain the century "19" and a check digit."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def _address_code_known(code: str) -> bool:
    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return "county" in info


def parse_id_number(raw: object) -> IdNumber:
    text = "" if raw is None else str(raw).strip().upper().replace(" ", "")
    if not text:
        raise IdNumberError("required", _("公民身份号码不能为空"))
    upgraded_from = ""
    if len(text) == 15:
        if not text.isdigit():
            raise IdNumberError("format", _("15 位身份号码只能由数字组成"))
        upgraded_from = text
        text = upgrade_legacy(text)
    if len(text) != 18:
        raise IdNumberError("length", _("身份号码应为 18 位（或旧式 15 位），实际 %(n)d 位") % {"n": len(text)})
    try:
        number = ric.validate(text)
    except stdnum_errors.InvalidFormat:
        raise IdNumberError("format", _("身份号码前 17 位必须是数字，末位为数字或 X")) from None
    except stdnum_errors.InvalidChecksum:
        raise IdNumberError("checksum", _("身份号码校验位不正确")) from None
    except stdnum_errors.InvalidComponent:
        # Either the birth date is impossible, or the address code is unknown, or it is known but was
        # created after the birth year. The last is normal (a number is issued where one lives when it
        # is issued, e.g. 431302 娄星区 since 1999 for someone born in 1985), so it is accepted.
        try:
            ric.get_birth_date(text)
        except stdnum_errors.ValidationError:
            raise IdNumberError("birth_date", _("身份号码中的出生日期不存在")) from None
        if not _address_code_known(text[:6]):
            raise IdNumberError("address_code", _("身份号码中的地址码 %(code)s 不存在") % {"code": text[:6]}) from None
        number = text
    except stdnum_errors.ValidationError:
        raise IdNumberError("invalid", _("身份号码无效")) from None
    birth = ric.get_birth_date(number)
    if birth > dt.date.today():
        raise IdNumberError("birth_date", _("身份号码中的出生日期在未来"))
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(number=number, sex=sex, birth_date=birth, upgraded_from=upgraded_from)
