"""Reading a cell of tags: codes, Chinese names or English names (an export made in English names them so),
separated by 、 , ; / or spaces."""

from __future__ import annotations

import re

from shequ.registry.importing.columns import normalise_header
from shequ.registry.models import Tag

TAG_SPLIT = re.compile(r"[、,，;；/\s]+")


class TagVocabulary:
    def __init__(self, tags: list[Tag]):
        self.by_label: dict[str, int] = {}
        for tag in tags:
            self.by_label[normalise_header(tag.code)] = tag.pk
            self.by_label[normalise_header(tag.name)] = tag.pk
        for tag in tags:  # English names never shadow a code or a Chinese name
            if tag.name_en:
                self.by_label.setdefault(normalise_header(tag.name_en), tag.pk)
        # Names holding a separator ("Party member") are found in the cell before it is split.
        self.phrases = [
            (re.compile(r"(?<!\w)" + re.escape(tag.name_en) + r"(?!\w)", re.IGNORECASE), tag.pk)
            for tag in sorted(tags, key=lambda t: -len(t.name_en))
            if tag.name_en and TAG_SPLIT.search(tag.name_en)
        ]
        self.names = "、".join(t.display_name for t in tags)
        self.codes = {t.pk: t.code for t in tags}

    def parse(self, text: str) -> tuple[list[int], list[str]]:
        """The tags a cell names, in order and once each, and the labels it holds that name no tag."""
        found: list[int] = []
        unknown: list[str] = []
        for pattern, phrase_tag in self.phrases if text else ():
            text, count = pattern.subn("、", text)
            if count and phrase_tag not in found:
                found.append(phrase_tag)
        for label in TAG_SPLIT.split(text) if text else ():
            if not label:
                continue
            tag_id = self.by_label.get(normalise_header(label))
            if tag_id is None:
                unknown.append(label)
            elif tag_id not in found:
                found.append(tag_id)
        return found, unknown
