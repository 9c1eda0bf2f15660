"""Schemathesis against the OpenAPI document at ``/api``: every check, a fixed seed, 0 failures.

The app runs in-process (schemathesis' ASGI transport, lifespan included) on the seeded
registry, the sample risk zones, the Porto Alegre network and its population layer, so the
routing operations answer for real. Twice: anonymously, and with an admin token on a
throwaway copy of the registry (the admin's generated writes land there and nowhere else).

Every check schemathesis has is run (``not_a_server_error``, status code, content type,
headers and response schema conformance, negative data rejection, positive data acceptance,
missing required header, unsupported method, ``Allow`` header conformance, ignored auth, ...),
with ``derandomize`` so a run is the same every time, and few examples per operation so the
test stays bounded.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from geomap.registry.access import SYSTEM
from geomap.registry.risk import validate_risk_collection
from geomap.registry.store import SQLiteStore
from geomap.settings import Settings
from routing import network_from_file
from tests.api.seed import seed
from tests.paths import DATA, PORTO_ALEGRE_PBF

ZONES = json.loads((DATA / "porto_alegre" / "sample_risk_zones.geojson").read_text())
POPULATION = DATA / "porto_alegre" / "population_hexgrid.csv"
#: Every check at its defaults but two. ``positive_data_acceptance`` also takes 412 (an
#: ``If-Match`` of the right form that is not the item's current ETag, which a generator cannot
#: know: a conflict with the item's state, like 409) and 422. This API
#: answers 400 to what its OpenAPI document rules out (a pattern, an enum, a range) and 422 to
#: what no schema can say: a point outside every network served, a place outside its declared
#: country, more work than this deployment's limits, a box with west > east. A schema-valid
#: request answered 400 is still a failure (the document would be missing a rule).
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429", "5xx"]
#: A change without ``If-Match`` is answered 428 Precondition Required (RFC 6585), the status
#: made for a missing precondition header.
MISSING_HEADER = ["400", "401", "403", "406", "415", "422", "428"]
#: The items operations take ``filter`` (CQL2 text or JSON, per ``filter-lang``) and ``sortby``:
#: languages whose grammar a JSON Schema string cannot hold. A filter that does not parse is a
#: bad request (400, as OGC API - Features Part 3 says), so there 400 is an expected answer to
#: schema-valid data too. Every other check still runs on them.
CONFIG = {
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ACCEPTED},
        "missing_required_header": {"expected-statuses": MISSING_HEADER},
    },
    "operations": [
        {
            "include-path-regex": "^/collections/[a-z_]+/items$",
            "include-method": "GET",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
        }
    ],
}
EXAMPLES = 12  # per operation and phase; with derandomize the same cases every run
BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> dict[str, Any]:
    """A seeded registry with risk zones, and the Porto Alegre network saved beside it."""
    folder = tmp_path_factory.mktemp("schemathesis")
    seeded = seed(folder / "registry.sqlite")
    store = SQLiteStore(seeded.db)
    store.import_places("risk_zones", validate_risk_collection(ZONES), SYSTEM, "sample")
    store.close()
    network = network_from_file(PORTO_ALEGRE_PBF, "walk").save(folder / "poa.npz")
    return {"folder": folder, "seeded": seeded, "network": network}


def _schema(prepared: dict[str, Any], db: Path) -> Iterator[Any]:
    from schemathesis.python.asgi import shutdown_lifespans

    from api.app import create_app

    app = create_app(Settings(registry_db=db, network=prepared["network"], population=POPULATION))
    try:
        yield schemathesis.openapi.from_asgi(
            "/api", app, config=SchemathesisConfig.from_dict(CONFIG)
        )
    finally:
        shutdown_lifespans()  # closes the registry the app opened


@pytest.fixture
def anonymous_schema(prepared) -> Iterator[Any]:
    yield from _schema(prepared, prepared["seeded"].db)


@pytest.fixture
def admin_schema(prepared, tmp_path) -> Iterator[Any]:
    copy = tmp_path / "throwaway.sqlite"
    shutil.copyfile(prepared["seeded"].db, copy)
    yield from _schema(prepared, copy)


anonymous = schemathesis.pytest.from_fixture("anonymous_schema")
admin = schemathesis.pytest.from_fixture("admin_schema")


@anonymous.parametrize()
@BOUNDED
def test_api_conforms_to_its_openapi_document_anonymously(case) -> None:
    case.call_and_validate()


@admin.parametrize()
@BOUNDED
def test_api_conforms_to_its_openapi_document_with_an_admin_token(case, prepared) -> None:
    token = prepared["seeded"].tokens["admin"]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
