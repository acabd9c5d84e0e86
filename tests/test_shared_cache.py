"""With REDIS_URL, throttle counters hold across app processes (issue 10). Starts
its own redis-server on a free port; skips only where redis-server is missing."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

COUNT = """
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView
AnonRateThrottle.rate = "5/minute"
allowed = 0
for _ in range({n}):
    request = APIRequestFactory().get(
        "/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.{{}}".format(_)
    )
    request.user = AnonymousUser()
    allowed += AnonRateThrottle().allow_request(request, APIView())
print("allowed", allowed)
"""


@pytest.fixture
def redis_url():
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def allowed_in_a_process(redis_url: str, n: int) -> int:
    env = {"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "1", "REDIS_URL": redis_url}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", COUNT.format(n=n)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split("allowed")[-1])


def test_two_processes_share_one_throttle_despite_forged_addresses(redis_url):
    assert allowed_in_a_process(redis_url, 3) == 3
    assert allowed_in_a_process(redis_url, 3) == 2  # 5 per minute in all, not per process
