"""Django for a benchmark script: DATABASE_URL if set, else a fresh SQLite file."""

import os
import sys
from pathlib import Path


def django_for_bench(sqlite_name: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    if "DATABASE_URL" not in os.environ:
        db_file = Path("/tmp") / sqlite_name
        db_file.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
