"""The application factory, its lifespan and :func:`run`.

Nothing is opened at import: :func:`create_app` builds the app from settings and the lifespan
opens the registry store, kept on ``app.state.store`` while the app runs.

Do no harm: the API keeps no access log and never logs query coordinates, IP addresses or user
agents, and sets no cookies. Run it with uvicorn's access log off — :func:`run` does;
``uvicorn --no-access-log`` otherwise.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from api import errors, page
from api.collections import COLLECTIONS, CollectionSpec
from api.middleware import BodySizeLimit, ResponseHeaders
from api.routes import feedback, items, ogc, proposals, transfer
from api.routes import transit as transit_routes
from geomap.registry.store import RegistryStore, open_registry
from geomap.settings import Settings
from geomap.transit import TransitService

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
    """Open the registry store for the app's lifetime."""
    settings: Settings = app.state.settings
    store = open_registry(settings)
    app.state.store = store
    app.state.transit = None
    app.state.demand = None
    if settings.network is not None:
        app.state.transit = _transit(settings, store)
        if settings.population is not None:
            from geomap.coverage import read_demand

            app.state.demand = read_demand(settings.population)
    # the network, indexes and routers live as long as the app: keep the collector off them
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        store.close()


def _transit(settings: Settings, store: RegistryStore) -> TransitService:
    """Load the walking network (and elevation) and warm the routers up."""
    from routing.costs import CostParams, Elevation
    from routing.network import Network

    assert settings.network is not None
    network = Network.load(settings.network)
    elevation = None
    if settings.elevation is not None:
        elevation = Elevation(settings.elevation).sample(network.node_lon, network.node_lat)
    transit = TransitService(
        network,
        store,
        params=CostParams(speed_kmh=settings.walk_speed_kmh),
        elevation=elevation,
        max_snap_m=settings.max_snap_m,
    )
    transit.warm_up()
    return transit


def create_app(
    settings: Settings | None = None,
    *,
    collections: Mapping[str, CollectionSpec] | None = None,
) -> FastAPI:
    """Build the registry API.

    Parameters
    ----------
    settings : Settings, optional
        Read from the environment (``GEOMAP_*``) when not given.
    collections : mapping of str to CollectionSpec, optional
        The collections served; :data:`api.collections.COLLECTIONS` by default.

    Returns
    -------
    FastAPI
        The app; its store opens when its lifespan starts.
    """
    settings = settings or Settings()
    app = FastAPI(
        title="geomap registry",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=None,  # served at /api, in OpenAPI 3.0 (see api.openapi)
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.collections = dict(collections if collections is not None else COLLECTIONS)
    app.include_router(ogc.router)
    app.include_router(items.router)
    app.include_router(transfer.router)
    app.include_router(proposals.router)
    app.include_router(feedback.router)
    app.include_router(transit_routes.router)
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
) -> None:
    """Serve the API with uvicorn, without access log and without a ``Server`` header.

    With ``workers > 1`` each worker process builds its own app from the environment
    (``GEOMAP_*``), so ``settings`` must be the environment's.
    """
    import uvicorn

    if workers > 1:
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            server_header=False,
        )
        return
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,
        server_header=False,
    )
