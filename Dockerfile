# Passerelle: the API (and the dashboard it serves under /dashboard), on the store the
# environment chooses (PASSERELLE_STORE=neo4j with NEO4J_URI etc., see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PASSERELLE_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY api ./api
COPY dashboard ./dashboard
COPY seed ./seed
COPY cli ./cli
COPY docs ./docs
# Editable install: data files the packages read at run time (seed/data, dashboard/assets,
# dashboard/geo) are used from this source tree, whatever package-data declares.
RUN pip install -e . \
    && useradd --system --create-home passerelle \
    && mkdir -p /data \
    && chown passerelle /data

USER passerelle
VOLUME ["/data"]
EXPOSE 8000
CMD ["passerelle", "serve", "--host", "0.0.0.0"]
