"""Gunicorn as shipped (Dockerfile, docker-compose.yml): `gunicorn -c gunicorn.conf.py`.

Threaded workers (gthread): a worker's main loop keeps telling the arbiter it is
alive while its threads serve, so a long CSV export is never killed at `timeout`
(a sync worker is, and its client would get a silently cut file), and two exports
at once leave the other threads and workers answering. `timeout` only catches a
worker whose main loop is stuck.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 60
graceful_timeout = 30
keepalive = 5
# No max_requests: a worker restarted after N requests waits only graceful_timeout
# for the requests it is serving, so a long export under way would be cut off.
accesslog = "-"
errorlog = "-"
