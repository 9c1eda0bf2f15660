"""The application factory, its lifespan and :func:`run`.

Nothing is opened at import: :func:`create_app` builds the app from settings and the lifespan
opens the registry store, kept on ``app.state.store`` while the app runs.

Do no harm: the API keeps no access log and never logs query coordinates, IP addresses or user
agents, and sets no cookies. Run it with uvicorn's access log off — :func:`run` does;
``uvicorn --no-access-log`` otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.collections import COLLECTIONS, CollectionSpec
from api.middleware import BodySizeLimit, ResponseHeaders
from api.routes import items, ogc, transfer
from geomap.registry.store import SQLiteStore
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
    """Open the registry store for the app's lifetime."""
    settings: Settings = app.state.settings
    store = SQLiteStore(settings.registry_db)
    app.state.store = store
    try:
        yield
    finally:
        store.close()


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
    errors.install_handlers(app)
    # added last = outermost: errors guard, then headers, then the body limit
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ResponseHeaders)
    app.add_middleware(errors.UnhandledErrors)
    return app


def run(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API with uvicorn, without access log and without a ``Server`` header."""
    import uvicorn

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,
        server_header=False,
    )
