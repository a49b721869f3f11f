# patientapp: the web app (gunicorn) and, with another command, the worker.
#   docker build -t patientapp .
#   docker run -e PATIENTAPP_SECRET_KEY=… -v patientapp-data:/data -p 8000:8000 patientapp
# compose.yaml runs the app, the worker and Caddy (TLS) together; see the README.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATIENTAPP_DATABASE=/data/patientapp.sqlite3 \
    PATIENTAPP_CONTENT_DIR=/app/content \
    PROMETHEUS_MULTIPROC_DIR=/tmp/patientapp-metrics \
    WEB_CONCURRENCY=2

WORKDIR /app
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin patientapp

COPY pyproject.toml README.md ./
COPY patientapp ./patientapp
COPY content ./content
COPY translations ./translations
COPY wsgi.py gunicorn.conf.py babel.cfg ./
COPY deploy/docker-entrypoint.sh /usr/local/bin/patientapp-entrypoint
# Installed in place (editable) so the code finds content/ and translations/ beside it;
# the message catalogs are compiled now, as the app's user cannot write them later.
RUN pip install -e . \
    && flask --app patientapp translations compile \
    && mkdir -p /data /backups /app/instance \
    && chown patientapp:patientapp /data /backups /app/instance \
    && chmod 0755 /usr/local/bin/patientapp-entrypoint

USER patientapp
# /data: the database (keep it on a volume). /backups: the worker's daily backups.
# Mount your own content over /app/content (read-only is fine) to change the courses.
VOLUME ["/data", "/backups"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# The entrypoint brings the database up to date (init-db), then runs the command.
ENTRYPOINT ["patientapp-entrypoint"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "wsgi:app"]
