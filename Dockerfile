# Two stages: dependencies are installed before the code is copied (a code change
# reuses that layer), static files are collected at build, and the app runs as a
# user without privileges. The entrypoint is docker/entrypoint.sh, which .ci/run
# also runs natively against PostgreSQL and Redis.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN python -m venv /venv \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && /venv/bin/pip install -r /tmp/requirements.txt
COPY . .
RUN /venv/bin/pip install --no-deps . \
 && DJANGO_SECRET_KEY=collectstatic-only DJANGO_STATIC_COLLECTED=1 /venv/bin/python manage.py collectstatic --noinput

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH DJANGO_STATIC_COLLECTED=1
RUN useradd --create-home --uid 10001 summitry
COPY --from=build /venv /venv
COPY --from=build --chown=summitry:summitry /app /app
WORKDIR /app
USER summitry
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"
ENTRYPOINT ["docker/entrypoint.sh"]
