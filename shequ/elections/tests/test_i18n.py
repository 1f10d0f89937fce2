"""The election pages in English: any Chinese left on them that is not data (names, titles, citations) is
interface text without a translation."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from shequ.elections.tests.test_results import counted_election

IDEOGRAPHS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
pytestmark = pytest.mark.django_db


def _data_words() -> set[str]:
    from shequ.areas.models import Area
    from shequ.elections.models import BallotBox, Campaign, Candidate, Election, Voter
    from shequ.registry.models import Building, Resident
    from shequ.standards.models import PolicyParameter, PolicySet, PolicyVersion

    words = {"简体中文"}
    sources = ((Area, ["name"]), (Resident, ["name"]), (Building, ["address", "compound"]), (Voter, ["name"]),
               (Candidate, ["name", "status_reason"]), (Election, ["title", "void_reason"]), (Campaign, ["name"]),
               (BallotBox, ["name"]), (PolicySet, ["name", "description"]),
               (PolicyVersion, ["citation", "note"]), (PolicyParameter, ["label"]))
    for model, fields in sources:
        for row in model.objects.values_list(*fields):
            for value in row:
                words.update(IDEOGRAPHS.findall(str(value or "")))
    return words


@pytest.fixture
def back_to_chinese():  # type: ignore[no-untyped-def]
    """LocaleMiddleware leaves the thread in English after an English request: later tests expect Chinese."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_election_pages_are_fully_english(ew, back_to_chinese):
    s = counted_election(ew)
    pk = s.election.pk
    pages = {
        ew.subdistrict_officer: [
            reverse("elections:index"), reverse("elections:detail", args=[pk]), reverse("elections:new"),
            reverse("elections:dashboard"), reverse("elections:roll", args=[pk]),
            reverse("elections:objections", args=[pk]), reverse("elections:candidates", args=[pk]),
            reverse("elections:proxies", args=[pk]), reverse("elections:boxes", args=[pk]),
            reverse("elections:results", args=[pk]), reverse("elections:campaigns"),
        ],
        None: [reverse("elections:public", args=[pk]), reverse("elections:public_roll", args=[pk]),
               reverse("elections:public_candidates", args=[pk]), reverse("elections:receipt"),
               reverse("disclosure:index")],
        ew.resident_user: [reverse("elections:my_elections")],
    }
    data = _data_words()
    for user, urls in pages.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        client.cookies["django_language"] = "en"
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 200, url
            html = response.content.decode()
            html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
            left = {w for w in IDEOGRAPHS.findall(html) if w not in data and not any(w in d for d in data)}
            assert not left, (url, sorted(left)[:20])
