"""Settings of the public page (prefix ``GEOMAP_PAGE_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PageSettings(BaseSettings):
    """The public page's settings.

    Attributes
    ----------
    tile_url : str, optional
        Opt-in raster tile URL template (``https://host/{z}/{x}/{y}.png``) drawn under our
        streets. Unset by default: a tile server sees every person who loads the map.
    tile_attribution : str
        The attribution the tile provider asks for.
    basemap_osm : Path, optional
        OSM extract (``.osm.pbf``, ``.osm`` …) to read water, parks and land use from for the
        basemap; by default the extract the network was built from, when it is still there.
    snapshot_bytes : int
        Budget of the public places snapshot the page carries for its first list (compact
        JSON bytes, about a third of that compressed); places nearest each network's towns
        first. 0 leaves it out (the first list then waits for ``/nearby``).
    """

    model_config = SettingsConfigDict(env_prefix="GEOMAP_PAGE_")

    tile_url: str | None = None
    tile_attribution: str = ""
    basemap_osm: Path | None = None
    snapshot_bytes: int = Field(default=12_000, ge=0, le=200_000)
