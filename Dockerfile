# Escale: python -m bot, long polling, the database on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ESCALE_DATABASE=/app/data/escale.sqlite3

WORKDIR /app

# The code stays in /app and is installed in editable mode, so bot/i18n.py finds the
# catalogs beside it in /app/locales (a plain install would move bot/ to site-packages).
COPY pyproject.toml README.md babel.cfg ./
COPY bot/ bot/
COPY locales/ locales/
COPY dialogues/ dialogues/
RUN pip install -e . \
    && pybabel compile --statistics -d locales -D messages \
    && useradd --create-home --uid 10001 escale \
    && mkdir -p /app/data \
    && chown escale:escale /app/data

USER escale
VOLUME ["/app/data"]

CMD ["python", "-m", "bot"]
