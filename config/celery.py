"""The Celery app for production background work (broker and results on Redis; see CELERY_* settings).

Start a worker with:  celery -A config worker -l info   (with SHEQU_TASK_BACKEND=celery on the web nodes)
Periodic tasks (CELERY_BEAT_SCHEDULE, e.g. the nightly compliance recompute):  celery -A config beat -l info
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("shequ")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
