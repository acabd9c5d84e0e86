"""Server time of the public pages and the admin visit list on an existing database
(e.g. one filled by bench/page_data.py): median of N requests through Django's test
client, each with the cache cleared ("cold") and without ("warm"), with the query
count and the page's size. Pages marked "anonymous" are fetched logged out (what the
public sees; the others as a superuser). Only the URLs containing MATCH, if given.

    DATABASE_URL=postgres://…/db python bench/page_times.py [N [MATCH]]   (N default 5)
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from visits.models import Person, Visit  # noqa: E402

ANONYMOUS = "anonymous"


def urls() -> list[tuple[str, str]]:
    person = Person.objects.get(name="Synthetic Person Frequent")
    visit = Visit.objects.published().order_by("-pk").values_list("pk", flat=True).first()
    pages = [
        "/",
        "/compare/?pair=CHN,PRK&scheme=dprk-supreme-leader&min_level=senior",
        "/visits/",
        "/visits/?visitor_country=CHN&host_country=PRK&page=3",
        "/visits/?scheme=china-paramount&era=xi",
        "/visits/?level=leader",
        f"/people/{person.slug}/",
        f"/visits/{visit}/",
        "/eras/china-paramount/xi/",
        "/eras/dprk-supreme-leader/kim-il-sung/",
        "/admin/visits/visit/",
    ]
    public = ["/people/suggest.json?q=syn", "/people/suggest.json?q=synthetic+person+f"]
    return [(url, "") for url in pages] + [(url, ANONYMOUS) for url in public]


def time_url(client: Client, url: str, runs: int, cold: bool) -> tuple[float, int, int]:
    times, queries, size = [], 0, 0
    for _ in range(runs):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries, size = len(captured), len(response.content)
    return statistics.median(times), queries, size


def main(runs: int, match: str) -> None:
    client = Client(HTTP_HOST="localhost")
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client.force_login(admin)
    clients = {"": client, ANONYMOUS: Client(HTTP_HOST="localhost")}
    for url, who in urls():
        if match not in url:
            continue
        for cold in (True, False):
            ms, queries, size = time_url(clients[who], url, runs, cold)
            label = "cold" if cold else "warm"
            print(f"{ms:8.0f} ms  {queries:3d} q  {size / 1024:7.0f} KiB  {label}  {url} {who}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, sys.argv[2] if len(sys.argv) > 2 else "")
