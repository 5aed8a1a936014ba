"""The Celery app: JSON only, late acks, queues `default` and `heavy`, beat schedules in the DB.

Without REDIS_URL the settings make every task run inline (eager), so a laptop needs no broker.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pom.settings")

app = Celery("pom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("heavy"))
app.autodiscover_tasks()
