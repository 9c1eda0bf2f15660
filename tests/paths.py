"""Locations of the data shipped in ``data/`` that tests read."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
PORTO_ALEGRE_PBF = DATA / "porto_alegre" / "porto_alegre.osm.pbf"
LANDMARKS = DATA / "porto_alegre" / "landmarks.csv"
AGUASCALIENTES_PBF = DATA / "aguascalientes" / "aguascalientes.osm.pbf"
AGUASCALIENTES_XML = DATA / "aguascalientes" / "aguascalientes.osm.bz2"
