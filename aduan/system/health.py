"""What /healthz reports: can we reach the database, and is a worker alive."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database means "down"
        return {"status": "down", "vendor": connection.vendor, "error": type(exc).__name__}
    return {"status": "up", "vendor": connection.vendor}


def worker_state() -> dict:
    from aduan.system.models import WorkerHeartbeat

    stale = datetime.timedelta(seconds=settings.ADUAN_WORKER_STALE_SECONDS)
    try:
        alive = WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - stale).count()
    except Exception as exc:
        return {"status": "unknown", "error": type(exc).__name__}
    return {"status": "up" if alive else "down", "alive": alive}


@never_cache
def healthz(request):
    database = database_state()
    worker = worker_state() if database["status"] == "up" else {"status": "unknown"}
    healthy = database["status"] == "up" and worker["status"] == "up"
    body = {"status": "ok" if healthy else "degraded", "database": database, "worker": worker}
    return JsonResponse(body, status=200 if healthy else 503)
