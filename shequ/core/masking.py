"""Masking of personal data (PIPL; 居民身份证法 §13): shown masked unless unmasked with a reason."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """4313**********1234 — keeps the 4-digit region prefix and the last four."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 — keeps the carrier prefix and the last four."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * max(0, len(value) - 4) + value[-4:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


MASKERS = {"id_number": mask_id_number, "phone": mask_phone}


def mask_field(field: str, value: str | None) -> str:
    masker = MASKERS.get(field)
    return masker(value) if masker else (value or "")
