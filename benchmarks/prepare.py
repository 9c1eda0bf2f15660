"""Untimed preparation: OSM XML copies of the extract for osmnx, and a saved network.

osmnx only reads OSM XML, so the PBF is converted once with pyosmium, outside every timed
part. Two copies are written:

* ``full`` — every node, way and relation of the extract, unchanged;
* ``walk`` — only the ways geomap's ``walk`` profile keeps, and the nodes they use. osmnx's
  ``graph_from_xml`` has no network-type filter, so this copy hands it the same ways our
  builder keeps, pre-filtered for free. It is the conservative comparison: osmnx does less
  work than on the full extract, while our timed build still filters the full PBF itself.
"""

from __future__ import annotations

from pathlib import Path


def _write_all(src: Path, dest: Path) -> None:
    import osmium

    with osmium.SimpleWriter(str(dest), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(src)):
            writer.add(obj)


def _write_walk(src: Path, dest: Path) -> dict[str, int]:
    import osmium

    from routing.profiles import walk_directions

    keep_ways: set[int] = set()
    keep_nodes: set[int] = set()
    for way in osmium.FileProcessor(str(src), osmium.osm.WAY):
        tags = {t.k: t.v for t in way.tags}
        if "highway" in tags and any(walk_directions(tags)):
            keep_ways.add(way.id)
            keep_nodes.update(n.ref for n in way.nodes)
    with osmium.SimpleWriter(str(dest), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY):
            if (obj.is_node() and obj.id in keep_nodes) or (obj.is_way() and obj.id in keep_ways):
                writer.add(obj)
    return {"ways": len(keep_ways), "nodes": len(keep_nodes)}


def osm_xml_copies(pbf: Path, work_dir: Path) -> dict[str, Path]:
    """Write (or reuse) the ``full`` and ``walk`` OSM XML copies of ``pbf``.

    A copy is rewritten when it is older than the PBF.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    stem = pbf.name.removesuffix(".osm.pbf").removesuffix(".pbf")
    paths = {"full": work_dir / f"{stem}.full.osm", "walk": work_dir / f"{stem}.walk.osm"}
    mtime = pbf.stat().st_mtime
    for kind, path in paths.items():
        if path.exists() and path.stat().st_mtime >= mtime and path.stat().st_size > 0:
            continue
        tmp = path.with_suffix(".tmp.osm")
        if kind == "full":
            _write_all(pbf, tmp)
        else:
            _write_walk(pbf, tmp)
        tmp.replace(path)
    return paths


def saved_network(pbf: Path, work_dir: Path) -> Path:
    """Build the walking network once and save it (for the load timing and the queries)."""
    from routing import network_from_file

    path = work_dir / "network.walk.npz"
    network_from_file(pbf, "walk").save(path)
    return path
