"""The pre-fork server behind ``geomap serve --workers N``: gunicorn with uvicorn workers.

The parent process loads every network, builds its contraction hierarchy and the day and night
customizations the service warms up (:func:`geomap.service.prepare_services`), runs
``gc.collect(); gc.freeze()`` and only then forks the workers. The numpy arrays, the C++ heap
of RoutingKit and the Python objects are shared copy-on-write, so a worker adds only what it
changes (the metrics a risk-zone edit re-customizes, per-request buffers) and is ready as soon
as it has opened its registry connections; gunicorn re-forks a worker that dies from the same
warm parent at once.

Connections never cross a fork: the parent closes the registry it read the places and zones
from before forking, and each worker opens its own (SQLite connections, the PostGIS pool) in
the app's lifespan, after the fork, and binds the networks to it
(:func:`geomap.service.bind_registry`). The parent runs no thread when it forks: RoutingKit
customizes sequentially (no OpenMP thread pool is started), the numba kernels are not
parallel, and gunicorn's control socket (a thread) is off; a warning is logged if a thread is
found anyway.

``SIGTERM`` to the parent stops every worker gracefully (requests in flight get the time
budget to finish) and then the parent; ``SIGINT`` stops them at once. As with one uvicorn
process: no access log, no ``Server`` header.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from gunicorn.app.base import BaseApplication
from uvicorn_worker import UvicornWorker

from geomap.service import Prepared, prepare_services
from geomap.settings import Settings


class GeomapWorker(UvicornWorker):  # type: ignore[misc]  # gunicorn ships no types
    """A uvicorn worker without access log and ``Server`` header, running the app's lifespan."""

    CONFIG_KWARGS: dict[str, Any] = {  # noqa: RUF012 (uvicorn-worker's own class attribute)
        "loop": "auto",
        "http": "auto",
        "lifespan": "on",
        "access_log": False,
        "server_header": False,
    }


def os_threads() -> int:
    """Threads of this process as the kernel counts them (OpenMP and C++ threads included)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # not Linux: Python's own count is the best there is
        import threading

        return threading.active_count()


def _pre_fork(server: Any, worker: Any) -> None:
    del worker
    threads = os_threads()
    if threads > 1:
        server.log.warning(
            "%d threads run in the parent while it forks a worker: a lock one of them holds "
            "could hang the worker", threads,
        )  # fmt: skip


def options(settings: Settings, *, host: str, port: int, workers: int) -> dict[str, Any]:
    """The gunicorn settings for ``workers`` pre-forked workers listening on ``host:port``."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": f"{__name__}.GeomapWorker",
        "preload_app": True,  # the app (and its prepared networks) is built before the fork
        "accesslog": None,  # do no harm: no access log
        "control_socket_disable": True,  # it would be a thread in the parent while it forks
        "proc_name": "geomap",
        "keepalive": 5,  # uvicorn's default
        # a worker whose event loop is silent this long is replaced (a full customization of a
        # very large network holds the interpreter for seconds, never for a minute)
        "timeout": max(60, int(3 * settings.time_budget_s)),
        "graceful_timeout": int(settings.time_budget_s) + 5,
        "pre_fork": _pre_fork,
    }


class PreforkServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn serving one ASGI app that was built (networks warmed up) before the fork."""

    def __init__(self, app: Any, settings: dict[str, Any]) -> None:
        self.application = app
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        """Take the settings given, nothing from the command line or the environment."""
        for key, value in self.settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """The app, already built."""
        return self.application


def serve_prefork(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 2,
    prepared: Prepared | None = None,
) -> None:
    """Warm up every network here (unless ``prepared``), then fork ``workers`` and serve.

    Returns when the server has stopped (``SIGTERM`` or ``SIGINT``).
    """
    from api.app import create_app

    if prepared is None:
        prepared = prepare_services(settings)
    app = create_app(settings, prepared=prepared)
    del prepared
    # the networks, indexes and routers live as long as the server: keep the collector off
    # them, so no worker dirties the pages it shares with the parent by collecting them
    gc.collect()
    gc.freeze()
    PreforkServer(app, options(settings, host=host, port=port, workers=workers)).run()
