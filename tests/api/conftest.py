"""Fixtures of the API tests: a seeded registry served by a real uvicorn subprocess.

Each test module gets its own database and server (module scope), so modules that write do
not disturb the others.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.seed import Seeded, Server, seed


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Seeded:
    folder = tmp_path_factory.mktemp("registry")
    return seed(folder / "registry.sqlite")


@pytest.fixture(scope="module")
def server(seeded, tmp_path_factory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    running = Server(seeded.db, log)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def anonymous(server) -> Iterator:
    with server.client() as client:
        yield client


@pytest.fixture
def clients(server, seeded) -> Iterator[dict]:
    """An httpx client per role (``anonymous``, ``admin``, ``officer-br``, ...)."""
    made = {"anonymous": server.client()}
    made.update({role: server.client(token) for role, token in seeded.tokens.items()})
    try:
        yield made
    finally:
        for client in made.values():
            client.close()
