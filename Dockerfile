# geomap: walking networks and safe routes. Build: docker build -t geomap .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    GEOMAP_OUTPUT_DIR=/home/geomap/out \
    NUMBA_CACHE_DIR=/home/geomap/.cache/numba

RUN useradd --create-home --uid 10001 geomap
WORKDIR /opt/geomap
COPY pyproject.toml setup.py README.md LICENSE ./
COPY geomap ./geomap
COPY routing ./routing
COPY api ./api
COPY data ./data
RUN pip install . && cd / && geomap --version && rm -rf /opt/geomap/*

USER geomap
WORKDIR /home/geomap
ENTRYPOINT ["geomap"]
EXPOSE 8000
CMD ["serve", "--demo", "--host", "0.0.0.0"]
