"""Seed data and a real API server for the API tests.

Places are generated here, valid by construction: around Porto Alegre (BR) and Cúcuta (CO).
Hidden records (partners-only, restricted, retired, once restricted) carry distinctive names
and coordinates so that the leak tests can look for them in every answer.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api.models import Problem
from geomap.registry.access import SYSTEM
from geomap.registry.store import SQLiteStore
from geomap.registry.validate import validate_place
from tests.paths import ROOT

PORTO_ALEGRE = (-51.2177, -30.0346)
CUCUTA = (-72.5078, 7.8939)
COLLECTION = "places"


def feature(
    lon: float,
    lat: float,
    country: str = "BR",
    *,
    fid: str | None = None,
    name: str = "Espaço de apoio",
    kind: str = "support_space",
    services: tuple[str, ...] = ("food", "connectivity"),
    visibility: str = "public",
    status: str = "active",
    **properties: Any,
) -> dict[str, Any]:
    """A valid place feature (no ``id`` unless ``fid`` is given)."""
    out: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "kind": kind,
            "name": {"es": name},
            "organizations": ["ACNUR", "Cruz Vermelha"],
            "country": country,
            "services": list(services),
            "opening_hours": "Mo-Fr 08:00-18:00",
            "status": status,
            "visibility": visibility,
            **properties,
        },
    }
    if fid is not None:
        out["id"] = fid
    return out


@dataclass(frozen=True)
class Hidden:
    """A record the public must never see: its id, name and coordinate strings.

    ``seen_by`` lists the token roles that may see it. Records without a location (messages,
    a step of a pathway) have empty coordinates.
    """

    id: str
    name: str
    lon: str
    lat: str
    seen_by: tuple[str, ...] = ()
    collection: str = "places"  # "" for what is no record of its own (a step of a pathway)


@dataclass
class Seeded:
    """What :func:`seed` put in the database."""

    db: Path
    tokens: dict[str, str]
    public: dict[str, dict[str, Any]] = field(default_factory=dict)
    hidden: list[Hidden] = field(default_factory=list)


def _public(fid: str, lon: float, lat: float, country: str, **kw: Any) -> dict[str, Any]:
    return feature(lon, lat, country, fid=fid, name=f"Lugar {fid}", **kw)


PUBLIC = [
    _public("br-01", -51.2177, -30.0346, "BR", services=("food", "connectivity")),
    _public(
        "br-02",
        -51.2300,
        -30.0280,
        "BR",
        kind="information_point",
        services=("information_orientation", "legal_documentation"),
    ),
    _public(
        "br-03",
        -51.1900,
        -30.0500,
        "BR",
        kind="service_point",
        status="temporarily_closed",
        services=("first_aid_health", "food"),
    ),
    _public("br-04", -51.2050, -30.0150, "BR", services=("food", "water_sanitation")),
    _public("br-05", -51.1700, -30.0700, "BR", services=("overnight_shelter", "food")),
    _public("co-01", -72.5078, 7.8939, "CO", services=("food", "connectivity")),
    _public(
        "co-02",
        -72.4950,
        7.9050,
        "CO",
        kind="information_point",
        services=("information_orientation", "connectivity"),
    ),
    _public("co-03", -72.5200, 7.8800, "CO", services=("psychosocial_support", "food")),
]

# visibility, country, id, name, lon, lat (coordinates distinctive enough to search for)
HIDDEN = [
    ("partners", "BR", "br-partners-x", "Casa Parceira Reservada", -51.2412345, -30.0412345),
    ("restricted", "BR", "br-restricted-x", "Abrigo Confidencial Sul", -51.1534567, -30.0634567),
    ("partners", "CO", "co-partners-x", "Punto Aliado Reservado", -72.5134567, 7.8734567),
    ("restricted", "CO", "co-restricted-x", "Refugio Confidencial Norte", -72.4834567, 7.9134567),
]
RETIRED = ("br-retired-x", "Espaço Retirado Antigo", -51.2634567, -30.0134567)
# public now; its first version was restricted, at other coordinates and under another name
ONCE_RESTRICTED = ("co-once-x", "Casa Secreta Primeira", -72.5034567, 7.8834567)

# pathways: Brazil's GBV pathway (restricted: its second step is the restricted place) shows
# the public its first step and the hotline only; Colombia's is partners-only through and
# through (the public sees nothing of it)
HOTLINE = {"organization": "Linea Publica 180", "contact": {"phone": "180"}, "hours": "24/7"}
GBV_PATHWAY = {
    "type": "Feature",
    "id": "br-gbv-path-x",
    "geometry": None,
    "properties": {
        "name": {"es": "Ruta VBG Restringida Sentinela"},
        "need": "gbv_case_management",
        "country": "BR",
        "steps": [
            {"id": "acogida", "place": "br-01", "consent": "verbal", "visibility": "public"},
            {"id": "casa-segura-x", "place": "br-restricted-x", "consent": "written",
             "procedure": "Procedimiento Secreto Sentinela", "visibility": "restricted"},
        ],
        "entry_points": [HOTLINE],
        "visibility": "restricted",
    },
}  # fmt: skip
HIDDEN_AREA = (-72.4712345, 7.8612345)
PARTNERS_PATHWAY = {
    "type": "Feature",
    "id": "co-path-x",
    "geometry": {
        "type": "Polygon",
        "coordinates": [[  # a triangle with the secret point on its long side
            [HIDDEN_AREA[0] - 0.2, HIDDEN_AREA[1] - 0.2],
            [HIDDEN_AREA[0] + 0.2, HIDDEN_AREA[1] - 0.2],
            [HIDDEN_AREA[0] + 0.2, HIDDEN_AREA[1] + 0.2],
            [HIDDEN_AREA[0], HIDDEN_AREA[1]],
            [HIDDEN_AREA[0] - 0.2, HIDDEN_AREA[1] - 0.2],
        ]],
    },
    "properties": {
        "name": {"es": "Ruta Oculta Sentinela"},
        "need": "gbv_case_management",
        "country": "CO",
        "steps": [{"id": "aliado", "place": "co-partners-x", "consent": "verbal"}],
        "visibility": "partners",
    },
}  # fmt: skip


def message(fid: str, title: str, visibility: str, country: str = "BR") -> dict[str, Any]:
    """A key message in Spanish and Portuguese."""
    return {
        "type": "Feature",
        "id": fid,
        "geometry": None,
        "properties": {
            "topic": "rights",
            "title": {"es": title, "pt": title},
            "text": {"es": f"{title}: texto.", "pt": f"{title}: texto."},
            "country": country,
            "agencies": ["ACNUR"],
            "approved_by": "GT",
            "answers": ["service_costs"],
            "visibility": visibility,
        },
    }


MESSAGES = [message("br-msg-public", "Mensaje Publico Uno", "public"),
            message("co-msg-public", "Mensaje Publico Dos", "public", "CO")]  # fmt: skip
PARTNERS_MESSAGE = message("br-msg-x", "Mensaje Reservado Sentinela", "partners")
PARTNERS_MESSAGE["properties"]["answers"] = ["border_closure"]  # rumours seeded for it


def seed(db: Path) -> Seeded:
    """Fill a new registry database and create one token per role."""
    store = SQLiteStore(db)
    tokens = {
        "admin": store.create_token("admin-test", "admin"),
        "officer-br": store.create_token("officer-br-test", "officer", ["BR"]),
        "officer-co": store.create_token("officer-co-test", "officer", ["CO"]),
        "partner": store.create_token("partner-test", "partner"),
    }
    out = Seeded(db=db, tokens=tokens)

    def put(f: dict[str, Any]) -> None:
        store.create(COLLECTION, validate_place(f), SYSTEM, "seed")

    for f in PUBLIC:
        put(f)
        out.public[f["id"]] = f
    for visibility, country, fid, name, lon, lat in HIDDEN:
        put(feature(lon, lat, country, fid=fid, name=name, visibility=visibility))
        seen_by = ("partner", "officer-br", "officer-co") if visibility == "partners" else ()
        officer = f"officer-{country.lower()}"
        out.hidden.append(Hidden(fid, name, f"{lon}", f"{lat}", (*seen_by, officer)))
    fid, name, lon, lat = RETIRED
    put(feature(lon, lat, "BR", fid=fid, name=name))
    record = store.get(COLLECTION, fid, SYSTEM)
    store.retire(COLLECTION, fid, record.etag, SYSTEM, "closed for good")
    # retired: gone from every list; its history stays readable with any token
    out.hidden.append(
        Hidden(fid, name, f"{lon}", f"{lat}", ("partner", "officer-br", "officer-co"))
    )
    fid, name, lon, lat = ONCE_RESTRICTED
    put(feature(lon, lat, "CO", fid=fid, name=name, visibility="restricted"))
    record = store.get(COLLECTION, fid, SYSTEM)
    now_public = feature(*CUCUTA, "CO", fid=fid, name="Casa Pública Agora")
    store.replace(COLLECTION, validate_place(now_public), record.etag, SYSTEM, "opened")
    out.public[fid] = now_public
    # the id of this one is public now: only its old name and coordinates are secret
    out.hidden.append(Hidden("", name, f"{lon}", f"{lat}", ("officer-co",)))
    seed_pathways_and_messages(store, out)
    store.close()
    return out


def seed_pathways_and_messages(store: SQLiteStore, out: Seeded) -> None:
    """The pathways and messages of the seed, and what of them is hidden from whom."""
    from geomap.registry.messages import validate_message
    from geomap.registry.pathways import validate_pathway

    for f in (GBV_PATHWAY, PARTNERS_PATHWAY):
        store.create("referral_pathways", validate_pathway(f), SYSTEM, "seed")
    for f in (*MESSAGES, PARTNERS_MESSAGE):
        store.create("messages", validate_message(f), SYSTEM, "seed")
    from geomap.registry.monitoring import ReferralRow, RumourRow

    for f, times in ((GBV_PATHWAY, 7), (PARTNERS_PATHWAY, 2)):  # logs of hidden pathways
        p = f["properties"]
        row = ReferralRow(f["id"], p["need"], p["country"], "", "2026-03", "everyone",
                          p["steps"][0]["id"])  # fmt: skip
        for _ in range(times):
            store.record_referral(row, SYSTEM)
    for topic in PARTNERS_MESSAGE["properties"]["answers"]:
        for _ in range(6):
            store.record_rumour(RumourRow(topic, "BR", "", "2026-03-02"), SYSTEM)
    partners = ("partner", "officer-br", "officer-co")
    out.hidden += [
        Hidden("br-gbv-path-x", "Ruta VBG Restringida Sentinela", "", "", ("officer-br",),
               "referral_pathways"),
        Hidden("casa-segura-x", "Procedimiento Secreto Sentinela", "", "", ("officer-br",), ""),
        Hidden("co-path-x", "Ruta Oculta Sentinela", f"{HIDDEN_AREA[0]}", f"{HIDDEN_AREA[1]}",
               partners, "referral_pathways"),
        Hidden("br-msg-x", "Mensaje Reservado Sentinela", "", "", partners, "messages"),
    ]  # fmt: skip


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the records, versions and meta tables (to compare before and after)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            for table, order in (
                ("records", "collection, id"),
                ("versions", "collection, id, version"),
                ("meta", "key"),
            )
        }


def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``api.app.run`` in a subprocess on 127.0.0.1, serving the registry ``db``."""

    def __init__(
        self,
        db: Path,
        log: Path,
        env: dict[str, str] | None = None,
        *,
        access_log: bool = False,
    ) -> None:
        self.db = db
        self.log = log
        self.extra_env = dict(env or {})
        # test-only: uvicorn's access log (request lines) in ``log``; the API never keeps one
        self.access_log = access_log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> None:
        env = {**os.environ, "GEOMAP_REGISTRY_DB": str(self.db), **self.extra_env}
        env.pop("GEOMAP_PUBLIC_URL", None)
        code = (
            "from api.app import run; from geomap.settings import Settings; "
            f"run(Settings(), host='127.0.0.1', port={self.port})"
        )
        if self.access_log:
            code = (
                "import uvicorn; from api.app import create_app; "
                "from geomap.settings import Settings; "
                f"uvicorn.run(create_app(Settings()), host='127.0.0.1', port={self.port}, "
                "access_log=True, server_header=False)"
            )
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/conformance", timeout=2, trust_env=False).is_success:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer in {timeout_s} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(
            base_url=self.url, headers=headers, trust_env=False, timeout=60, **kwargs
        )


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> Any:
    """Check an RFC 9457 problem answer (naming ``field`` among its errors) and return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    Problem.model_validate(body)
    assert body["status"] == status
    assert all(body[key] for key in ("type", "title", "detail"))
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body
