"""Registry benchmark: the versioned SQLite store behind the places API.

Run with ``python benchmarks/run.py --registry``. It writes ``benchmarks/results/registry.json``
(every figure, settings, machine) and ``registry.md`` (short tables). There is no peer: the
figures are absolute, for tracking from run to run on the same machine.

Sections:

1. **bbox item queries** on a 50,000-place registry: ``SQLiteStore.query(Query(bbox=...,
   limit=100))`` (one page of items plus the number matched, as an items request does) for
   random bboxes of 0.01°, 0.1° and 1° a side centred near random places, for an anonymous
   caller (public records only) and an admin (everything). Median and 90th percentile per
   query, and how many records matched;
2. **one item by id**: ``SQLiteStore.get`` for random ids, anonymous (public ids) and admin;
3. **import of a 10,000-feature file**: ``parse_json`` + ``validate_collection`` (validation)
   and ``import_places`` (store) timed apart, into an empty store and into a copy of the
   50,000-place registry; and re-importing the same file (nothing changes).

The places are synthetic but valid: points scattered around towns of the migration corridors
(each checked against its country's outline), every kind, service mix, visibility (80% public,
12% partners, 8% restricted), opening hours and contacts.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from common import median

COLLECTION = "places"
#: (town, lon, lat, country, weight): where the synthetic places are.
TOWNS: tuple[tuple[str, float, float, str, float], ...] = (
    ("Bogotá", -74.08, 4.61, "CO", 8),
    ("Cúcuta", -72.50, 7.89, "CO", 6),
    ("Medellín", -75.57, 6.25, "CO", 4),
    ("Cali", -76.53, 3.45, "CO", 3),
    ("Barranquilla", -74.80, 10.96, "CO", 3),
    ("Ipiales", -77.64, 0.83, "CO", 3),
    ("Quito", -78.47, -0.18, "EC", 5),
    ("Guayaquil", -79.90, -2.19, "EC", 3),
    ("Huaquillas", -80.24, -3.48, "EC", 2),
    ("Tumbes", -80.45, -3.57, "PE", 2),
    ("Lima", -77.04, -12.05, "PE", 7),
    ("Arequipa", -71.54, -16.41, "PE", 2),
    ("Arica", -70.31, -18.48, "CL", 2),
    ("Santiago", -70.65, -33.45, "CL", 4),
    ("Pacaraima", -61.15, 4.48, "BR", 3),
    ("Boa Vista", -60.67, 2.82, "BR", 4),
    ("Manaus", -60.02, -3.12, "BR", 3),
    ("São Paulo", -46.63, -23.55, "BR", 3),
    ("Caracas", -66.90, 10.49, "VE", 3),
    ("Ciudad de Panamá", -79.52, 8.98, "PA", 2),
    ("San José", -84.09, 9.93, "CR", 2),
    ("La Paz", -68.15, -16.50, "BO", 2),
    ("Buenos Aires", -58.38, -34.60, "AR", 3),
)
BBOX_SIDES_DEG = (0.01, 0.1, 1.0)
PAGE = 100
HOURS = (
    None,
    "24/7",
    "Mo-Fr 08:00-17:00",
    "Mo-Fr 08:00-12:00,14:00-18:00; Sa 08:00-12:00",
    "Mo-Su 07:00-19:00; PH off",
)
ORGS = ("ACNUR", "OIM", "UNICEF", "Cruz Roja", "NRC", "HIAS", "Pastoral de Movilidad Humana")


@dataclass
class RegistrySettings:
    """What one registry run measures."""

    out_dir: Path
    work_dir: Path
    places: int = 50_000
    import_features: int = 10_000
    queries: int = 200
    gets: int = 1000
    repeats: int = 3
    seed: int = 42
    quick: bool = False
    log: Callable[[str], None] = field(default=print)


def synthetic_features(n: int, seed: int, prefix: str) -> list[dict[str, Any]]:
    """``n`` valid place features (points checked against their countries' outlines)."""
    from geomap.registry.validate import km_outside_country
    from geomap.registry.vocab import POPULATIONS, SERVICES

    rng = np.random.default_rng(seed)
    weights = np.array([t[4] for t in TOWNS], dtype=float)
    weights /= weights.sum()
    services = list(SERVICES)
    populations = [p for p in POPULATIONS if p != "everyone"]
    out = []
    while len(out) < n:
        name, lon0, lat0, country, _ = TOWNS[rng.choice(len(TOWNS), p=weights)]
        spread = 0.5 if rng.random() < 0.1 else 0.04
        lon = round(float(lon0 + rng.normal(0, spread)), 6)
        lat = round(float(lat0 + rng.normal(0, spread)), 6)
        if km_outside_country(lon, lat, country) > 10.0:
            continue
        i = len(out)
        kind = ("support_space", "information_point", "service_point")[int(rng.integers(3))]
        props: dict[str, Any] = {
            "kind": kind,
            "name": {"es": f"Punto {i} de {name}", "pt": f"Ponto {i}", "en": f"Point {i}"},
            "organizations": sorted(
                {ORGS[int(k)] for k in rng.choice(len(ORGS), int(rng.integers(1, 3)))}
            ),
            "country": country,
            "admin2": name,
            "services": [
                services[int(k)]
                for k in sorted(rng.choice(len(services), int(rng.integers(1, 6)), replace=False))
            ],
            "languages": ["es"] if country not in ("BR",) else ["pt", "es"],
            "populations": ["everyone"]
            if rng.random() < 0.7
            else [populations[int(rng.integers(len(populations)))]],
            "wheelchair": ("yes", "limited", "no", "unknown")[int(rng.integers(4))],
            "status": "active" if rng.random() < 0.9 else "temporarily_closed",
            "visibility": str(
                rng.choice(["public", "partners", "restricted"], p=[0.8, 0.12, 0.08])
            ),
            "verified_at": f"2024-{1 + int(rng.integers(12)):02d}-{1 + int(rng.integers(28)):02d}",
            "source": "synthetic benchmark data",
            "sample": True,
        }
        hours = HOURS[int(rng.integers(len(HOURS)))]
        if hours:
            props["opening_hours"] = hours
        if rng.random() < 0.5:
            props["contact"] = {"phone": f"+57 1 {int(rng.integers(1000000, 9999999))}"}
        if "overnight_shelter" in props["services"]:
            props["capacity"] = int(rng.integers(10, 400))
        out.append(
            {
                "type": "Feature",
                "id": f"{prefix}{i:06d}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": props,
            }
        )
    return out


def _collection_bytes(features: list[dict[str, Any]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _checkpoint(path: Path) -> None:
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def _fresh(path: Path) -> Path:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    return path


def _stats(times: list[float]) -> dict[str, float]:
    arr = np.array(times)
    return {
        "median_s": float(np.median(arr)),
        "p90_s": float(np.percentile(arr, 90)),
        "mean_s": float(arr.mean()),
        "min_s": float(arr.min()),
        "n": len(times),
    }


def bbox_queries(settings: RegistrySettings, store: Any, lonlat: np.ndarray) -> dict[str, Any]:
    """Median time of one page of bbox items, per bbox size and caller."""
    from geomap.registry.access import ANONYMOUS, SYSTEM
    from geomap.registry.store import Query

    rng = np.random.default_rng(settings.seed + 1)
    out: dict[str, Any] = {}
    for side in BBOX_SIDES_DEG:
        centres = lonlat[rng.integers(len(lonlat), size=settings.queries)]
        centres = centres + rng.uniform(-side / 2, side / 2, size=centres.shape)
        boxes = [
            (float(x - side / 2), float(y - side / 2), float(x + side / 2), float(y + side / 2))
            for x, y in centres
        ]
        per_caller = {}
        for who, caller in (("anonymous", ANONYMOUS), ("admin", SYSTEM)):
            for box in boxes[:20]:  # warm-up, untimed
                store.query(COLLECTION, Query(bbox=box, limit=PAGE), caller)
            times, matched, returned = [], [], []
            for box in boxes:
                t0 = time.perf_counter()
                records, total = store.query(COLLECTION, Query(bbox=box, limit=PAGE), caller)
                times.append(time.perf_counter() - t0)
                matched.append(total)
                returned.append(len(records))
            per_caller[who] = {
                **_stats(times),
                "matched_median": float(np.median(matched)),
                "matched_mean": float(np.mean(matched)),
                "matched_max": int(np.max(matched)),
                "empty_boxes": int(sum(m == 0 for m in matched)),
                "returned_median": float(np.median(returned)),
            }
        out[f"{side:g}"] = {"side_deg": side, "approx_side_km": side * 111.3, **per_caller}
        settings.log(
            f"  bbox {side:g}°: anonymous {per_caller['anonymous']['median_s'] * 1e3:.2f} ms "
            f"(median {per_caller['anonymous']['matched_median']:.0f} matched), admin "
            f"{per_caller['admin']['median_s'] * 1e3:.2f} ms "
            f"(median {per_caller['admin']['matched_median']:.0f} matched)"
        )
    return out


def import_file(settings: RegistrySettings, registry_db: Path) -> dict[str, Any]:
    """Validation and store time of importing one file, into an empty store and a full one."""
    from geomap.registry.access import SYSTEM
    from geomap.registry.store import SQLiteStore
    from geomap.registry.validate import parse_json, validate_collection

    work = settings.work_dir
    features = synthetic_features(settings.import_features, settings.seed + 2, "imp-")
    data = _collection_bytes(features)
    file = work / "import.geojson"
    file.write_bytes(data)
    out: dict[str, Any] = {"features": len(features), "file_bytes": len(data)}

    def one(target: Path, why: str) -> tuple[float, float, dict[str, int]]:
        t0 = time.perf_counter()
        places = validate_collection(parse_json(file.read_bytes(), what=str(file)))
        t1 = time.perf_counter()
        store = SQLiteStore(target)
        report = store.import_places(COLLECTION, places, SYSTEM, why)
        t2 = time.perf_counter()
        store.close()
        return t1 - t0, t2 - t1, report.summary()

    for label, seed_db in (("into_empty_store", None), ("into_registry", registry_db)):
        validation, storing, totals = [], [], []
        summary: dict[str, int] = {}
        reimport: dict[str, list[float]] = {"validation_s": [], "store_s": [], "total_s": []}
        for r in range(settings.repeats):
            target = _fresh(work / f"import-{label}.sqlite")
            if seed_db is not None:
                shutil.copyfile(seed_db, target)
            v, s, summary = one(target, f"benchmark {label} {r}")
            validation.append(v)
            storing.append(s)
            totals.append(v + s)
            v2, s2, again = one(target, "re-import")
            assert again["unchanged"] == len(features), again
            reimport["validation_s"].append(v2)
            reimport["store_s"].append(s2)
            reimport["total_s"].append(v2 + s2)
        out[label] = {
            "validation_s": median(validation),
            "store_s": median(storing),
            "total_s": median(totals),
            "per_feature_total_s": median(totals) / len(features),
            "repeats": {"validation_s": validation, "store_s": storing, "total_s": totals},
            "report": summary,
            "reimport_unchanged": {k: median(v) for k, v in reimport.items()},
        }
        settings.log(
            f"  import {label}: validation {median(validation):.2f} s + store "
            f"{median(storing):.2f} s = {median(totals):.2f} s; re-import "
            f"{median(reimport['total_s']):.2f} s"
        )
    return out


def get_by_id(settings: RegistrySettings, store: Any, ids: list[str], public: list[str]) -> Any:
    """Median time of ``get`` for random ids."""
    from geomap.registry.access import ANONYMOUS, SYSTEM

    rng = np.random.default_rng(settings.seed + 3)
    out = {}
    for who, caller, pool in (("anonymous", ANONYMOUS, public), ("admin", SYSTEM, ids)):
        chosen = [pool[int(k)] for k in rng.integers(len(pool), size=settings.gets)]
        for fid in chosen[:50]:
            store.get(COLLECTION, fid, caller)
        times = []
        for fid in chosen:
            t0 = time.perf_counter()
            store.get(COLLECTION, fid, caller)
            times.append(time.perf_counter() - t0)
        out[who] = _stats(times)
    settings.log(
        f"  get by id: anonymous {out['anonymous']['median_s'] * 1e6:.0f} µs, "
        f"admin {out['admin']['median_s'] * 1e6:.0f} µs"
    )
    return out


def run(settings: RegistrySettings) -> dict[str, Any]:
    """Build the registry, run the three sections; return every figure."""
    from geomap.registry.access import SYSTEM
    from geomap.registry.store import SQLiteStore
    from geomap.registry.validate import km_outside_country, validate_collection

    log = settings.log
    work = settings.work_dir
    work.mkdir(parents=True, exist_ok=True)
    prep: dict[str, float] = {}

    t0 = time.perf_counter()
    for country in sorted({t[3] for t in TOWNS}):
        km_outside_country(0.0, 0.0, country)  # loads and caches the country outlines
    prep["country_outlines_load_s"] = time.perf_counter() - t0

    log(f"building a {settings.places:,}-place registry (untimed preparation)")
    t0 = time.perf_counter()
    features = synthetic_features(settings.places, settings.seed, "pl-")
    prep["generate_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    places = validate_collection({"type": "FeatureCollection", "features": features})
    prep["validate_s"] = time.perf_counter() - t0
    db_path = _fresh(work / "registry.sqlite")
    store = SQLiteStore(db_path)
    t0 = time.perf_counter()
    store.import_places(COLLECTION, places, SYSTEM, "benchmark registry")
    prep["import_s"] = time.perf_counter() - t0
    store.close()
    _checkpoint(db_path)
    store = SQLiteStore(db_path)

    visibility = Counter(p.properties["visibility"] for p in places)
    dataset = {
        "places": len(places),
        "visibility": dict(visibility),
        "countries": dict(Counter(p.properties["country"] for p in places).most_common()),
        "db_bytes": db_path.stat().st_size,
        "lon_range": [min(p.lon for p in places), max(p.lon for p in places)],
        "lat_range": [min(p.lat for p in places), max(p.lat for p in places)],
    }
    log(
        f"  {len(places):,} places in {prep['import_s']:.2f} s "
        f"({dataset['db_bytes'] / 2**20:.0f} MiB file); validation {prep['validate_s']:.2f} s"
    )
    lonlat = np.array([(p.lon, p.lat) for p in places])
    ids = [p.id for p in places]
    public = [p.id for p in places if p.properties["visibility"] == "public"]

    log(f"1/3 bbox item queries ({settings.queries} per size and caller, page of {PAGE})")
    queries = bbox_queries(settings, store, lonlat)
    log(f"2/3 one item by id ({settings.gets} per caller)")
    gets = get_by_id(settings, store, ids, public)
    store.close()
    log(f"3/3 import of a {settings.import_features:,}-feature file ({settings.repeats} repeats)")
    imports = import_file(settings, db_path)
    return {
        "dataset": dataset,
        "preparation_s": prep,
        "bbox_queries": queries,
        "import": imports,
        "get_by_id": gets,
    }


def _ms(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def render(results: dict[str, Any]) -> str:
    """``registry.md``: the figures as short tables."""
    m, s, d = results["machine"], results["settings"], results["dataset"]
    vis = ", ".join(f"{k} {v:,}" for k, v in sorted(d["visibility"].items()))
    lines = [
        "# Registry benchmark: SQLite store (R*Tree, versions, visibility)",
        "",
        f"Run {m['date']} on {m['cpu_count']} CPUs ({m['cpu_model']}), Python {m['python']}, "
        f"SQLite {m['sqlite']}"
        f"{' — QUICK smoke run, not for quoting' if s['quick'] else ''}. Registry: "
        f"{d['places']:,} synthetic places around {len(TOWNS)} corridor towns ({vis}); "
        f"file {d['db_bytes'] / 2**20:.0f} MiB. No peer: absolute figures for tracking.",
        "",
        f"## 1. bbox item queries (page of {s['page']}, {s['queries']} random bboxes per size)",
        "",
        "| bbox side | caller | median | p90 | matched (median / mean / max) | empty |",
        "|---|---|---|---|---|---|",
    ]
    for q in results["bbox_queries"].values():
        for who in ("anonymous", "admin"):
            c = q[who]
            lines.append(
                f"| {q['side_deg']:g}° (~{q['approx_side_km']:.0f} km) | {who} | "
                f"{_ms(c['median_s'])} | {_ms(c['p90_s'])} | {c['matched_median']:,.0f} / "
                f"{c['matched_mean']:,.0f} / {c['matched_max']:,} | {c['empty_boxes']} |"
            )
    g = results["get_by_id"]
    lines += [
        "",
        f"## 2. One item by id ({s['gets']:,} random ids)",
        "",
        "| caller | median | p90 |",
        "|---|---|---|",
        f"| anonymous (public ids) | {_ms(g['anonymous']['median_s'])} | "
        f"{_ms(g['anonymous']['p90_s'])} |",
        f"| admin (any id) | {_ms(g['admin']['median_s'])} | {_ms(g['admin']['p90_s'])} |",
    ]
    imp = results["import"]
    lines += [
        "",
        f"## 3. Import of a {imp['features']:,}-feature file "
        f"({imp['file_bytes'] / 2**20:.1f} MiB; medians of {s['repeats']})",
        "",
        "| into | validation (parse + validate) | store (`import_places`) | total | "
        "re-import, nothing changes |",
        "|---|---|---|---|---|",
    ]
    labels = {
        "into_empty_store": "empty store",
        "into_registry": f"the {d['places']:,}-place registry",
    }
    for key, label in labels.items():
        x = imp[key]
        lines.append(
            f"| {label} | {_ms(x['validation_s'])} | {_ms(x['store_s'])} | "
            f"**{_ms(x['total_s'])}** | {_ms(x['reimport_unchanged']['total_s'])} |"
        )
    p = results["preparation_s"]
    lines += [
        "",
        f"Preparation, not timed above: validating the {d['places']:,} places "
        f"{_ms(p['validate_s'])}, importing them in one call {_ms(p['import_s'])}, loading the "
        f"country outlines {_ms(p['country_outlines_load_s'])}.",
        "",
        "Raw numbers and package versions: `registry.json`.",
        "",
    ]
    return "\n".join(lines)
