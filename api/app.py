"""The application factory, its lifespan and :func:`run`.

Nothing is opened at import: :func:`create_app` builds the app from settings and the lifespan
opens the registry, the walking networks and the population layer through
:func:`geomap.service.open_services` (the same code the CLI uses), kept on
``app.state.services`` while the app runs. An app made with ``prepared`` networks (a pre-fork
server's parent warmed them up, see :mod:`api.server`) opens only its registry connections in
its lifespan, in the worker process.

Do no harm: the API keeps no access log and never logs query coordinates, IP addresses or user
agents, and sets no cookies. Run it with uvicorn's access log off — :func:`run` does;
``uvicorn --no-access-log`` otherwise.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from api import errors, page
from api.collections import COLLECTIONS, CollectionSpec
from api.limits import HeavyGate
from api.middleware import BodySizeLimit, ResponseHeaders
from api.routes import (
    feedback,
    items,
    messages,
    monitoring,
    networks,
    ogc,
    proposals,
    referrals,
    transfer,
)
from api.routes import transit as transit_routes
from geomap.service import Prepared, open_services
from geomap.settings import Settings

DESCRIPTION = """\
The registry of support spaces, information points and service points for refugees and
migrants in transit, as OGC API – Features (Part 1 Core, GeoJSON, OpenAPI 3.0; Part 4 create,
replace, update and delete with ETags).

Reading needs no token and shows public records only. Changing needs an API token
(`Authorization: Bearer <token>`) and, for existing items, `If-Match` with the item's ETag.
Errors are `application/problem+json` (RFC 9457) listing every problem.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the registry, every network and the population layer for the app's lifetime."""
    settings: Settings = app.state.settings
    app.state.services = open_services(settings, prepared=app.state.prepared)
    app.state.gate = HeavyGate(
        slots=settings.heavy_concurrency,
        queue=settings.heavy_queue,
        wait_s=settings.time_budget_s / 2,
        budget_s=settings.time_budget_s,
    )
    # the networks, indexes and routers live as long as the app: keep the collector off them
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        app.state.services.close()


def _no_telemetry() -> dict[str, Any]:
    """FastAPI's native OpenTelemetry switched off (where this FastAPI has it)."""
    import inspect

    if "telemetry" not in inspect.signature(FastAPI.__init__).parameters:
        return {}
    off = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
    return {"telemetry": {**off, "auto_configure": False}}


def create_app(
    settings: Settings | None = None,
    *,
    collections: Mapping[str, CollectionSpec] | None = None,
    prepared: Prepared | None = None,
) -> FastAPI:
    """Build the registry API.

    Parameters
    ----------
    settings : Settings, optional
        Read from the environment (``GEOMAP_*``) when not given.
    collections : mapping of str to CollectionSpec, optional
        The collections served; :data:`api.collections.COLLECTIONS` by default.
    prepared : Prepared, optional
        Networks already loaded and warmed up (:func:`geomap.service.prepare_services`): the
        lifespan then opens only the registry and binds them to it.

    Returns
    -------
    FastAPI
        The app; its store opens when its lifespan starts.
    """
    settings = settings or Settings()
    app = FastAPI(
        **_no_telemetry(),
        title="geomap registry",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=None,  # served at /api, in OpenAPI 3.0 (see api.openapi)
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.prepared = prepared
    app.state.collections = dict(collections if collections is not None else COLLECTIONS)
    app.include_router(ogc.router)
    app.include_router(items.router)
    app.include_router(transfer.router)
    app.include_router(proposals.router)
    app.include_router(feedback.router)
    app.include_router(transit_routes.router)
    app.include_router(networks.router)
    app.include_router(referrals.router)
    app.include_router(messages.router)
    app.include_router(monitoring.router)
    page.install(app)  # the public map page's routes and static files
    errors.install_handlers(app)
    # added last = outermost: errors guard, then headers, then gzip, then the body limit
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(ResponseHeaders)
    app.add_middleware(errors.UnhandledErrors)
    return app


def run(
    settings: Settings | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int = 1,
    prepared: Prepared | None = None,
) -> None:
    """Serve the API without access log and without a ``Server`` header.

    One worker is plain uvicorn in this process. With ``workers > 1`` it is the pre-fork server
    of :mod:`api.server`: this process loads and warms up every network (or takes
    ``prepared``), then forks the workers, which share it copy-on-write.
    """
    settings = settings or Settings()
    if workers > 1:
        from api.server import serve_prefork

        serve_prefork(settings, host=host, port=port, workers=workers, prepared=prepared)
        return
    import uvicorn

    uvicorn.run(
        create_app(settings, prepared=prepared),
        host=host,
        port=port,
        access_log=False,
        server_header=False,
    )
