# geomap: walking networks and safe routes. Build: docker build -t geomap .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    GEOMAP_DATA_DIR=/opt/geomap/data \
    GEOMAP_OUTPUT_DIR=/home/geomap/out \
    NUMBA_CACHE_DIR=/home/geomap/.cache/numba

RUN useradd --create-home --uid 10001 geomap
WORKDIR /opt/geomap
COPY pyproject.toml README.md ./
COPY geomap ./geomap
COPY routing ./routing
COPY api ./api
COPY data ./data
RUN pip install . && python -c "import routing, geomap"

USER geomap
WORKDIR /home/geomap
ENTRYPOINT ["geomap"]
CMD ["--help"]
