"""The API's URL patterns grouped per first segment match exactly what ninja's flat list matches."""

from __future__ import annotations

import re

from django.urls import get_resolver, resolve

from shequ.core.api import api, api_fallback, sectioned_urls


def _sample(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: "7" if m.group(1) in (None, "int") else "x", route)


def test_every_api_path_resolves_to_its_own_view_after_grouping():
    patterns, _app, _namespace = api.urls
    grouped, _app, _namespace = sectioned_urls()
    assert len(grouped) < len(patterns) / 5  # a handful of sections, not 170-odd paths
    served = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/")
    assert len(served.url_patterns) == len(grouped)  # and the site serves the grouped list
    checked = 0
    for pattern in patterns:
        path = _sample(str(pattern.pattern))
        flat = next((p for p in patterns if p.resolve(path)), None)  # the first match in ninja's own order
        assert flat is not None
        match = resolve(f"/api/v1/{path}")
        # the same pattern (ninja builds new view callables on every call to api.urls, so compare route and name)
        assert (match.route, match.url_name) == (f"api/v1/{flat.pattern}", flat.name), path
        checked += 1
    assert checked == len(patterns)
    # an unknown path under a section matches no operation: only the API's fallback (slash variants, JSON 404)
    assert resolve("/api/v1/elections/7/no-such-thing").func is api_fallback
