"""Policy pages: the list, a set's timeline and parameter table (changes marked), the new-version and edit
forms (errors next to the field, nothing saved), who sees what, Chinese by default and complete in English,
and usable at phone width."""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.core.testing.browser import browser_test, log_in
from shequ.standards.models import ComplianceResult, PolicyParameter, PolicySet, PolicyVersion
from shequ.standards.tests.policy_factories import PENDING, english_catalogue, make_policy_set  # noqa: F401

D = dt.date
IDEOGRAPHS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
SCREENSHOTS = os.environ.get("SHEQU_SCREENSHOTS", "")


@pytest.fixture
def ps(world):
    return make_policy_set(v2_end=None)


def _login(client, user):
    client.force_login(user)
    return client


def _field_block(html: str, name: str) -> str:
    """The form block (label, input, errors) of one field."""
    start = html.index(f'name="{name}"')
    begin = html.rfind('<div class="field', 0, start)
    end = html.find('<div class="field', start)
    return html[begin : end if end != -1 else len(html)]


def _new_version_post(ps, **overrides):
    data = {
        "effective_from": "2020-01-01",
        "effective_to": "",
        "citation": "娄民发〔2020〕1号",
        "note": "",
        "p_premises_min_m2": "450",
        "p_staff_min": "5",
        "p_plaques": "社区党组织\n社区居民委员会\n社区服务中心\n",
        "p_operating_funds_min_urban": "200000",
    }
    data.update(overrides)
    return data


# -- list and detail --------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["admin", "analyst", "district_officer", "worker", "outsider"])
def test_readers_see_the_list_and_the_detail(client, world, ps, user):
    _login(client, getattr(world, user))
    page = client.get(reverse("policies:list")).content.decode()
    assert "测试社区标准" in page and "第 2 版" in page and "2016-01-01 起（长期有效）" in page
    assert reverse("policies:detail", args=[ps.set.pk]) in page
    detail = client.get(reverse("policies:detail", args=[ps.set.pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "娄民发〔2016〕58号" in text and "2015-01-01 至 2015-12-31" in text
    can_change = user == "admin"
    assert (reverse("policies:version_new", args=[ps.set.pk]) in text) is can_change
    assert (reverse("policies:version_edit", args=[ps.v2.pk]) in text) is can_change


@pytest.mark.parametrize("user", ["grid_worker", "auditor", "resident_user"])
def test_pages_answer_404_without_standards_view(client, world, ps, user):
    _login(client, getattr(world, user))
    for url in [
        reverse("policies:list"),
        reverse("policies:detail", args=[ps.set.pk]),
        reverse("policies:version_new", args=[ps.set.pk]),
        reverse("policies:version_edit", args=[ps.v2.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("policies:version_delete", args=[ps.v2.pk])).status_code == 404


def test_a_district_set_is_not_shown_to_another_district(client, world):
    other = make_policy_set(jurisdiction="431381", code="lsj")
    _login(client, world.worker)  # works in 431302
    assert "lsj" not in client.get(reverse("policies:list")).content.decode()
    assert client.get(reverse("policies:detail", args=[other.set.pk])).status_code == 404
    _login(client, world.outsider)  # works in 431381
    assert client.get(reverse("policies:detail", args=[other.set.pk])).status_code == 200


def test_list_page_query_count_does_not_grow_with_sets(client, world, django_assert_max_num_queries):
    for n in range(5):
        make_policy_set(code=f"set-{n}")
    _login(client, world.admin)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("policies:list")).status_code == 200


def test_detail_marks_what_changed_from_the_previous_version(client, world, ps):
    PolicyParameter.objects.filter(version=ps.v2, key="premises_min_m2").update(value="450")
    PolicyParameter.objects.filter(version=ps.v2, key="plaques").update(
        value=["社区党组织", "社区居民委员会", "便民服务站"]
    )
    _login(client, world.worker)
    html = client.get(reverse("policies:detail", args=[ps.set.pk])).content.decode()
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(r'<tr>\s*<th scope="row">.*?<div class="muted">(\w+)</div>.*?</tr>', html, re.S)
    }
    assert set(rows) == {"premises_min_m2", "staff_min", "plaques", "operating_funds_min_urban"}
    assert rows["premises_min_m2"].count("policy-changed") == 1 and "450" in rows["premises_min_m2"]
    assert "policy-changed" not in rows["staff_min"]
    assert '<li class="policy-added">便民服务站</li>' in rows["plaques"]
    assert "<del>社区服务中心</del>" in rows["plaques"]
    assert "policy-new" in rows["operating_funds_min_urban"] and "200,000" in rows["operating_funds_min_urban"]
    assert "社区公共服务用房最低面积" in rows["premises_min_m2"]  # the interface name of a known key


# -- the new-version form ---------------------------------------------------------------------------


def test_new_version_form_is_prefilled_from_the_latest_version(client, world, ps):
    _login(client, world.admin)
    html = client.get(reverse("policies:version_new", args=[ps.set.pk])).content.decode()
    assert 'name="p_premises_min_m2" value="400"' in html
    assert "社区党组织\n社区居民委员会\n社区服务中心</textarea>" in html
    assert f'name="effective_from" value="{dt.date.today().year + 1}-01-01"' in html
    assert "娄民发〔2016〕58号</textarea>" in html


def test_new_version_is_saved_and_closes_the_current_one(client, world, ps):
    _login(client, world.admin)
    response = client.post(reverse("policies:version_new", args=[ps.set.pk]), _new_version_post(ps))
    assert response.status_code == 302 and response["Location"] == reverse("policies:detail", args=[ps.set.pk])
    v3 = PolicyVersion.objects.get(policy_set=ps.set, number=3)
    assert dict(v3.parameters.values_list("key", "value"))["plaques"] == [
        "社区党组织",
        "社区居民委员会",
        "社区服务中心",
    ]
    ps.v2.refresh_from_db()
    assert ps.v2.effective_to == D(2019, 12, 31)
    assert "已新增第 3 版" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"p_premises_min_m2": "-400"}, "p_premises_min_m2", "不能为负数"),
        ({"p_premises_min_m2": "1000000"}, "p_premises_min_m2", "100,000"),
        ({"p_staff_min": "5.5"}, "p_staff_min", "必须是整数"),
        ({"p_operating_funds_min_urban": "2000000000"}, "p_operating_funds_min_urban", "1,000,000,000"),
        ({"p_plaques": "社区党组织\n社区党组织"}, "p_plaques", "重复"),
        ({"p_plaques": "\n  \n"}, "p_plaques", "至少"),
        ({"effective_from": "2016-01-01"}, "effective_from", "2016-01-01"),
        ({"effective_from": "2020-01-01", "effective_to": "2019-01-01"}, "effective_to", "早于"),
        ({"citation": " "}, "citation", ""),
        ({"new_key": "share", "new_value": "1"}, "new_kind", "请选择类型"),
        ({"new_key": "share", "new_kind": "ratio", "new_value": "2"}, "new_value", "0 到 1"),
    ],
)
def test_bad_input_comes_back_next_to_the_field_and_nothing_is_saved(client, world, ps, overrides, field, fragment):
    _login(client, world.admin)
    response = client.post(reverse("policies:version_new", args=[ps.set.pk]), _new_version_post(ps, **overrides))
    assert response.status_code == 422
    block = _field_block(response.content.decode(), field)
    assert 'class="error field-error"' in block and fragment in block
    assert PolicyVersion.objects.filter(policy_set=ps.set).count() == 2
    ps.v2.refresh_from_db()
    assert ps.v2.effective_to is None


def test_gap_after_a_closed_version_is_shown_with_its_dates(client, world):
    ps = make_policy_set(v2_end=D(2019, 12, 31))
    _login(client, world.admin)
    response = client.post(
        reverse("policies:version_new", args=[ps.set.pk]), _new_version_post(ps, effective_from="2020-01-02")
    )
    block = _field_block(response.content.decode(), "effective_from")
    assert "2020-01-01 至 2020-01-01 没有适用的版本" in block


def test_a_parameter_can_be_removed_and_one_added(client, world, ps):
    _login(client, world.admin)
    data = _new_version_post(ps, rm_staff_min="on", new_key="grid_people", new_kind="count", new_value="600")
    assert client.post(reverse("policies:version_new", args=[ps.set.pk]), data).status_code == 302
    v3 = PolicyVersion.objects.get(policy_set=ps.set, number=3)
    keys = set(v3.parameters.values_list("key", flat=True))
    assert "staff_min" not in keys and "grid_people" in keys


@pytest.mark.parametrize("user", ["analyst", "district_officer", "worker"])
def test_readers_who_may_not_write_get_403_and_nothing_changes(client, world, ps, user):
    _login(client, getattr(world, user))
    assert client.get(reverse("policies:version_new", args=[ps.set.pk])).status_code == 403
    assert client.post(reverse("policies:version_new", args=[ps.set.pk]), _new_version_post(ps)).status_code == 403
    assert client.post(reverse("policies:version_edit", args=[ps.v2.pk]), {"citation": "x"}).status_code == 403
    assert client.post(reverse("policies:version_delete", args=[ps.v2.pk])).status_code == 403
    assert PolicyVersion.objects.filter(policy_set=ps.set).count() == 2
    assert PolicyVersion.objects.get(pk=ps.v2.pk).citation == "娄民发〔2016〕58号"


# -- editing and deleting ---------------------------------------------------------------------------


def _edit_post(version, **overrides):
    data = {
        "effective_from": version.effective_from.isoformat(),
        "effective_to": version.effective_to.isoformat() if version.effective_to else "",
        "citation": version.citation,
        "note": version.note,
    }
    for p in version.parameters.all():
        data[f"p_{p.key}"] = "\n".join(p.value) if isinstance(p.value, list) else p.value
    data.update(overrides)
    return data


def test_edit_form_saves_and_refuses_an_overlap_next_to_the_end_date(client, world, ps):
    _login(client, world.admin)
    url = reverse("policies:version_edit", args=[ps.v1.pk])
    html = client.get(url).content.decode()
    assert 'name="effective_to" value="2015-12-31"' in html and 'name="shift_neighbours"' in html
    response = client.post(url, _edit_post(ps.v1, p_staff_min="6", note="更正"))
    assert response.status_code == 302
    ps.v1.refresh_from_db()
    assert ps.v1.note == "更正" and ps.v1.parameters.get(key="staff_min").value == "6"

    response = client.post(url, _edit_post(ps.v1, effective_to="2016-01-01"))
    assert response.status_code == 422
    assert "重叠" in _field_block(response.content.decode(), "effective_to")
    response = client.post(url, _edit_post(ps.v1, effective_to="2016-06-30", shift_neighbours="on"))
    assert response.status_code == 302
    ps.v2.refresh_from_db()
    assert ps.v2.effective_from == D(2016, 7, 1)


def test_only_the_latest_version_offers_delete(client, world, ps):
    _login(client, world.admin)
    html = client.get(reverse("policies:detail", args=[ps.set.pk])).content.decode()
    assert reverse("policies:version_delete", args=[ps.v2.pk]) in html
    assert reverse("policies:version_delete", args=[ps.v1.pk]) not in html
    response = client.post(reverse("policies:version_delete", args=[ps.v1.pk]), follow=True)
    assert "只能删除最新的版本" in response.content.decode()
    assert PolicyVersion.objects.filter(pk=ps.v1.pk).exists()

    ComplianceResult.objects.create(
        community=world.community,
        area_code=world.community.code,
        year=2016,
        rule="premises_area",
        status=1,
        policy_version=ps.v2,
        computed_at=timezone.now(),
    )
    html = client.get(reverse("policies:detail", args=[ps.set.pk])).content.decode()
    assert reverse("policies:version_delete", args=[ps.v2.pk]) not in html
    edit = client.get(reverse("policies:version_edit", args=[ps.v2.pk])).content.decode()
    assert "已有 1 条达标结果按此版本评判" in edit
    response = client.post(reverse("policies:version_delete", args=[ps.v2.pk]), follow=True)
    assert "不能删除" in response.content.decode()
    assert PolicyVersion.objects.filter(pk=ps.v2.pk).exists()


# -- languages --------------------------------------------------------------------------------------


def test_pending_translations_are_complete_and_keep_placeholders():
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for msgid, text in json.loads(PENDING.read_text(encoding="utf-8")).items():
        assert text.strip() and not IDEOGRAPHS.search(text), msgid
        assert sorted(placeholder.findall(msgid)) == sorted(placeholder.findall(text)), msgid


@pytest.mark.usefixtures("english_catalogue")
def test_pages_are_chinese_by_default_and_fully_english_after_switching(client, world, ps):
    loudi = PolicySet.objects.get(code="loudi-community-standards")
    urls = [
        reverse("policies:list"),
        reverse("policies:detail", args=[ps.set.pk]),
        reverse("policies:version_new", args=[ps.set.pk]),
        reverse("policies:version_edit", args=[ps.v2.pk]),
        reverse("policies:detail", args=[loudi.pk]),
        reverse("policies:version_new", args=[loudi.pk]),
    ]
    _login(client, world.admin)
    for url in urls:
        assert "政策标准" in client.get(url).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    data = {"简体中文"}  # Chinese that is data, not interface
    for value in PolicyParameter.objects.values_list("value", flat=True):
        data.update(IDEOGRAPHS.findall(json.dumps(value, ensure_ascii=False)))
    for texts in PolicyVersion.objects.values_list("citation", "note"):
        data.update(IDEOGRAPHS.findall(" ".join(texts)))
    for texts in PolicySet.objects.values_list("name", "description"):
        data.update(IDEOGRAPHS.findall(" ".join(texts)))
    data.update(IDEOGRAPHS.findall(world.city.name))
    urls_and_pages = [(url, client.get(url)) for url in urls]
    bad = client.post(urls[2], _new_version_post(ps, p_premises_min_m2="-1", effective_from="2016-01-01"))
    urls_and_pages.append(("bad post", bad))
    leaks = {}
    for url, response in urls_and_pages:
        assert response.status_code in (200, 422), url
        body = re.sub(r"<script.*?</script>", "", response.content.decode(), flags=re.S)
        left = set(IDEOGRAPHS.findall(body)) - data
        if left:
            leaks[url] = sorted(left)
    assert leaks == {}
    assert "Policy standards" in urls_and_pages[0][1].content.decode()
    assert "Test standards" in urls_and_pages[0][1].content.decode()  # name_en
    assert "Must not be negative." in bad.content.decode()


# -- phone ------------------------------------------------------------------------------------------


@browser_test
def test_pages_fit_a_phone_screen(live_server, world, page_for):
    ps = make_policy_set(code="phone-set")
    page = page_for(viewport={"width": 375, "height": 740}, is_mobile=True)
    log_in(page, live_server.url, world.admin.username)
    for url in [
        reverse("policies:list"),
        reverse("policies:detail", args=[ps.set.pk]),
        reverse("policies:version_new", args=[ps.set.pk]),
        reverse("policies:version_edit", args=[ps.v2.pk]),
    ]:
        page.goto(live_server.url + url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (url, overflow)
        if SCREENSHOTS:
            name = url.strip("/").replace("/", "_")
            page.screenshot(path=f"{SCREENSHOTS}/policy_{name}.png", full_page=True)
    # the new-version form works by touch: a negative value is refused next to its input
    page.goto(live_server.url + reverse("policies:version_new", args=[ps.set.pk]))
    page.fill("#id_effective_from", "2030-01-01")
    page.fill("#id_p_premises_min_m2", "-5")
    page.click("button.primary")
    error = page.locator(".field.has-error .field-error").first
    assert "不能为负数" in error.inner_text()
    page.fill("#id_p_premises_min_m2", "500")
    page.click("button.primary")
    page.wait_for_url(f"**{reverse('policies:detail', args=[ps.set.pk])}")
    assert "已新增第 3 版" in page.content()


def test_edit_form_of_a_version_that_judged_years_refuses_new_figures_on_the_form_and_keeps_texts(client, world, ps):
    ComplianceResult.objects.create(
        community=world.community,
        area_code=world.community.code,
        year=2017,
        rule="premises_area",
        status=1,
        policy_version=ps.v2,
        computed_at=timezone.now(),
    )
    _login(client, world.admin)
    url = reverse("policies:version_edit", args=[ps.v2.pk])
    assert "其参数和生效日期不能再修改" in client.get(url).content.decode()
    response = client.post(url, _edit_post(ps.v2, p_staff_min="6", note="不应保存"))
    assert response.status_code == 422
    html = response.content.decode()
    top = html[html.index('<div class="error" role="alert">') : html.index("<fieldset>")]
    assert "第 2 版已用于评判 2017 年的达标结果" in top and "新增一个自该年起生效的版本" in top
    ps.v2.refresh_from_db()
    assert ps.v2.note == "" and ps.v2.parameters.get(key="staff_min").value == "5"
    # the latest version's end date is refused next to the field
    response = client.post(url, _edit_post(ps.v2, effective_to="2020-12-31"))
    assert response.status_code == 422
    assert "2021 年及以后各年" in _field_block(response.content.decode(), "effective_to")
    # the whole form sent back with only the texts changed is saved
    response = client.post(url, _edit_post(ps.v2, citation="新文号", note="更正"))
    assert response.status_code == 302
    ps.v2.refresh_from_db()
    assert (ps.v2.citation, ps.v2.note) == ("新文号", "更正")
