"""A deterministic N-row residents CSV over the real Loudi hierarchy (the import template's columns).

    .venv/bin/python bench/make_residents_csv.py --rows 100000 --out var/bench/residents-100000.csv

Loads the NBS divisions of Loudi (4313) into the configured database if missing, adds COMMUNITIES_PER_STREET
communities under every sub-district/township (codes <street>001…), and writes households of 1–5 people
with valid ID numbers (real Loudi address codes, real check digits), mobile phones, relations, buildings,
rooms and some tags. The same --rows and --seed always give the same file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

COMMUNITIES_PER_STREET = 3
HEADER = ["姓名", "公民身份号码", "联系电话", "户号", "与户主关系", "户别", "社区代码", "楼栋地址", "门牌/房号", "标签"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅小龙海燕玲晶鹏辉斌宇浩凯秀云飞丹萍鑫婷雪琳"
REGIONS = ["431302", "431321", "431322", "431381", "431382"]  # Loudi's county-level address codes
TAGS = ["党员", "高龄", "低保", "残疾", "优抚", "留守", "退役军人", "独居老人"]
BIRTH_START = dt.date(1930, 1, 1)
BIRTH_SPAN = 32869  # days up to 2019-12-31; co-prime with the stride below, so births never repeat early
STRIDE = 7919


def id_number(i: int) -> str:
    """The i-th of a sequence of distinct valid 18-digit numbers (region, birth date, sequence, check digit)."""
    from stdnum.cn import ric

    region = REGIONS[i % len(REGIONS)]
    j = i // len(REGIONS)
    birth = BIRTH_START + dt.timedelta(days=(j * STRIDE) % BIRTH_SPAN)
    seq = 2 * (j // BIRTH_SPAN) + (j % 2)
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def ensure_communities(per_street: int = COMMUNITIES_PER_STREET) -> list[str]:
    """The Loudi hierarchy plus `per_street` communities under each street; returns the community codes."""
    import django

    django.setup()
    from shequ.areas.models import Area, AreaStats, Level
    from shequ.areas.services import divisions_load

    divisions_load(city_code="4313")
    codes = []
    streets = list(Area.objects.filter(level=Level.SUBDISTRICT, code__startswith="4313").order_by("code"))
    existing = set(Area.objects.filter(level=Level.COMMUNITY, code__startswith="4313").values_list("code", flat=True))
    for street in streets:
        for n in range(1, per_street + 1):
            code = f"{street.code}{n:03d}"
            if code not in existing:
                area = Area.objects.create(
                    code=code, name=f"{street.name}第{n}社区", level=Level.COMMUNITY, parent=street,
                    urban_rural_class="111" if street.code.startswith("431302") else "220",
                    community_kind="central_urban" if street.code.startswith("431302") else "village",
                )
                AreaStats.objects.create(area=area)
            codes.append(code)
    return codes


def write_csv(path: Path, rows: int, communities: list[str], seed: int = 4313) -> None:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    household_seq: dict[str, int] = {}
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        while written < rows:
            community = communities[rng.randrange(len(communities))]
            household_seq[community] = household_seq.get(community, 0) + 1
            number = f"{community}{household_seq[community]:06d}"
            building = f"{community[-6:]}路{rng.randint(1, 60)}号{rng.randint(1, 12)}栋"
            room = f"{rng.randint(1, 18)}0{rng.randint(1, 4)}"
            kind = "流动" if rng.random() < 0.1 else "常住"
            size = min(rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5)), rows - written)
            surname = rng.choice(SURNAMES)
            for member in range(size):
                relation = ("户主", "配偶", "子女", "子女", "父母")[member]
                name = (surname if relation != "配偶" else rng.choice(SURNAMES)) + "".join(
                    rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
                )
                phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" if rng.random() < 0.8 else ""
                tags = "、".join(sorted(set(rng.sample(TAGS, rng.choice((1, 1, 2)))))) if rng.random() < 0.1 else ""
                out.writerow([name, id_number(written), phone, number, relation, kind, community,
                              building if member == 0 else "", room if member == 0 else "", tags])
                written += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=4313)
    args = parser.parse_args()
    out = args.out or ROOT / "var" / "bench" / f"residents-{args.rows}.csv"
    communities = ensure_communities()
    write_csv(out, args.rows, communities, args.seed)
    print(f"{args.rows} rows over {len(communities)} communities -> {out}")


if __name__ == "__main__":
    main()
