"""The beat schedule names only tasks the worker knows, and task settings follow the project's habits."""

from django.conf import settings

from partnerportal.celery import app


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    registered = set(app.tasks)
    missing = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] not in registered]
    assert missing == []


def test_tasks_use_json_and_time_limits():
    assert settings.CELERY_TASK_SERIALIZER == "json"
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
