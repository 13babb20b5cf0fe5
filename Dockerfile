# syntax=docker/dockerfile:1

# --- build: resolve the locked dependencies and collect static files ---------------------------
FROM python:3.11-slim-bookworm AS build

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN pip install --no-cache-dir "uv==0.13.8"

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project

COPY . .
# Development mode only for this step: no database is reached, and DEBUG off selects the
# manifest storage so the collected files get content-hashed names.
RUN DJANGO_DEBUG=false /opt/venv/bin/python manage.py collectstatic --noinput

# --- runtime: the application and its environment, run as an unprivileged user ----------------
FROM python:3.11-slim-bookworm AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_DEBUG=false

# WeasyPrint renders invoices and credit notes with Pango (and HarfBuzz to embed font subsets);
# DejaVu is the font the document template names.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 backoffice \
    && useradd --system --uid 10001 --gid backoffice --home-dir /app backoffice

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=backoffice:backoffice /app /app
# Uploads, reports and documents: a volume mounted here starts as a copy of this folder, so it
# belongs to the app's user and is writable.
RUN mkdir -p /app/media && chown backoffice:backoffice /app/media

USER backoffice
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

CMD ["gunicorn", "backoffice.wsgi:application", "--bind=0.0.0.0:8000", "--workers=3", "--access-logfile=-", "--forwarded-allow-ips=*"]
