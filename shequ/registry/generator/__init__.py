"""The deterministic demo generator: people, households and buildings for the whole city.

Same seed and size, same data: names, ID numbers, phones, addresses and tags are drawn from random
streams keyed by (seed, purpose, area code). Rows are written with bulk_create in batches (not the
per-row services), with every derived field filled in as the services would, and the subtree
counters rebuilt at the end. Memory stays bounded at any size (one community at a time).
"""

from shequ.registry.generator.build import (
    DEFAULT_RESIDENTS,
    DEFAULT_SEED,
    DemoSummary,
    demo_build,
    demo_matches,
    demo_record,
    holds_other_data,
)
from shequ.registry.generator.users import DEMO_PASSWORD, DEMO_USERS, demo_logins

__all__ = [
    "DEFAULT_RESIDENTS",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "DemoSummary",
    "demo_build",
    "demo_logins",
    "demo_matches",
    "demo_record",
    "holds_other_data",
]
