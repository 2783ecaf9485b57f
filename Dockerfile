# Muster application image: the same image runs the API (`muster api`, the default) and the
# stream workers (`muster worker`). Kafka itself runs from the apache/kafka image; see
# docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The API listens on all interfaces inside the container; compose decides what is published.
# Development mode stays off: the API and workers refuse to start until MUSTER_TOKEN_SECRET is a
# secret of the deployment's own (32 bytes or more).
# Worker state (Faust table stores) lives outside site-packages, writable by the app user.
ENV MUSTER_DEV_MODE=0 \
    MUSTER_API_HOST=0.0.0.0 \
    MUSTER_API_PORT=8000 \
    MUSTER_DATA_DIR=/var/lib/muster/workers

WORKDIR /app

# Only what the package needs (pyproject's [tool.setuptools.packages.find] include list).
COPY pyproject.toml README.md ./
COPY core/ core/
COPY muster/ muster/
COPY core/ core/
COPY handlers/ handlers/
COPY formats/ formats/
COPY geo/ geo/
COPY streams/ streams/
COPY api/ api/
COPY bus/ bus/

RUN pip install . \
    && rm -rf /app/build /app/*.egg-info \
    && groupadd --system --gid 10001 muster \
    && useradd --system --uid 10001 --gid muster --home-dir /var/lib/muster --create-home \
       --shell /usr/sbin/nologin muster \
    && mkdir -p /var/lib/muster/workers \
    && chown -R muster:muster /var/lib/muster

# Never run as root.
USER 10001:10001
WORKDIR /var/lib/muster

EXPOSE 8000
CMD ["muster", "api"]
