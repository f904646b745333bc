# Escale in a container: `python -m bot` with long polling, the SQLite database on a volume.
# Build and run: see "Running with Docker" in README.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    ESCALE_DATABASE=/app/data/escale.sqlite3

WORKDIR /app

COPY pyproject.toml README.md babel.cfg ./
COPY bot/ bot/
COPY locales/ locales/
COPY dialogues/ dialogues/

# bot/core/i18n.py looks for the catalogs in the folder that holds bot/, i.e. /app/locales here.
# A plain `pip install .` would copy bot/ into site-packages, where no locales/ sits beside
# it; an editable install (-e) installs the dependencies and leaves the code in /app, next to
# its catalogs. The .mo files are not in the repository, so they are compiled here.
RUN pip install --no-cache-dir -e . \
    && pybabel compile --statistics -d locales -D messages

# Escale runs as an ordinary user who can write only to the database folder. A named volume
# mounted on /app/data starts with this ownership; a bind-mounted host folder must be
# writable by uid 10001.
RUN useradd --create-home --uid 10001 --user-group escale \
    && mkdir -p /app/data \
    && chown escale:escale /app/data
USER escale
VOLUME ["/app/data"]

# Healthy while Escale hears from Telegram (a successful getUpdates in the last 2 minutes) and
# no outbox message has waited more than 10 minutes; `python -m bot status` prints the detail.
HEALTHCHECK --interval=60s --timeout=15s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "status"]

# Exec form: `docker stop` sends SIGTERM to Python itself, which closes the database cleanly.
CMD ["python", "-m", "bot"]
