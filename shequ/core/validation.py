"""What every app's services share to refuse bad input in the one error shape: per-field problems collected so
one answer names them all, the common text check, and saving behind the model's own checks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationFailed, validation_error_from_django


class Problems:
    """Per-field messages collected so one answer names every problem; nothing is written while any remain."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, field: str, message: Any) -> None:
        self.details.setdefault(field, []).append(str(message))

    def __bool__(self) -> bool:
        return bool(self.details)

    def raise_if_any(self) -> None:
        if self.details:
            first = next(iter(self.details.values()))[0]
            raise ValidationFailed(first, details=self.details)


def check_text(problems: Problems, field: str, value: Any, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        problems.add(field, _("此项必填"))
    elif len(text) > max_length:
        problems.add(field, _("不能超过 %(n)s 个字") % {"n": max_length})
    return text


def clean_and_save(instance: models.Model, *, exclude: list[str] | None = None, **save_kwargs: Any) -> None:
    """The model's own checks as a last line (the services check first, with better messages)."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise validation_error_from_django(exc) from None
    instance.save(**save_kwargs)
