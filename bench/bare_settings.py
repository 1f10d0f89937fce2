"""Settings for bench/list_rps.py: the app's settings unchanged, plus the bare reference view's URL."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
