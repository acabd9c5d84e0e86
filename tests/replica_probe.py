"""Run in a subprocess by tests/test_replicas.py with DATABASE_URL (primary) and
DATABASE_REPLICA_URLS (a second database standing in for a replica). Prints where
each read went: "replica" if it saw the row only the replica has."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, RequestFactory  # noqa: E402

from config.routers import PrimaryAfterWriteMiddleware  # noqa: E402
from visits.models import Country, DataVersion  # noqa: E402


def where() -> str:
    return "replica" if Country.objects.filter(code="ZZR").exists() else "primary"


seen = {}


def view(request):
    seen["before write"] = where()
    with transaction.atomic():
        seen["in a transaction"] = where()
    DataVersion.objects.get_or_create(pk=1)  # a write
    seen["after write"] = where()
    return HttpResponse()


middleware = PrimaryAfterWriteMiddleware(view)
middleware(RequestFactory().get("/"))
print("GET", seen["before write"], seen["in a transaction"], seen["after write"])
middleware(RequestFactory().post("/"))
print("POST", seen["before write"])
print("API", Client().get("/api/v1/countries/ZZR/", HTTP_HOST="localhost").status_code)
