"""Settings read from the environment (prefix ``GEOMAP_``) or given explicitly."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_DATA = Path(__file__).resolve().parent.parent / "data"


class Settings(BaseSettings):
    """geomap settings.

    Attributes
    ----------
    data_dir : Path
        Where the shipped data lives (OSM extracts, landmarks, population).
    output_dir : Path
        Where commands write their results by default.
    max_snap_m : float
        A point farther than this from any road is refused.
    walk_speed_kmh : float
        Walking speed used for walking times.
    registry_db : Path
        The registry's SQLite file.
    max_body_bytes : int
        Largest request body the API accepts (1 MiB).
    country_tolerance_km : float
        How far outside its declared country's outline a place may lie.
    public_url : str, optional
        Base URL the API is reached at (for links); taken from the request when unset.
    network : Path, optional
        A saved walking network (``geomap network build``); the routing endpoints answer 503
        without one.
    elevation : Path, optional
        An elevation raster for the slope factor of walking times.
    population : Path, optional
        A population layer (CSV with lon/lat, GeoJSON or GeoPackage with a ``population``
        column) for the coverage endpoint.
    verify_due_days : int
        Days after its ``verified_at`` when a place is due for verification.
    verify_stale_days : int
        Days after its ``verified_at`` when a place is stale (marked in every answer and
        ranked after fresher places).
    """

    model_config = SettingsConfigDict(env_prefix="GEOMAP_")

    data_dir: Path = Field(default=_REPO_DATA)
    output_dir: Path = Field(default=Path("geomap-out"))
    max_snap_m: float = Field(default=500.0, gt=0)
    walk_speed_kmh: float = Field(default=4.5, gt=0)
    registry_db: Path = Field(default=Path("geomap-data/registry.sqlite"))
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    country_tolerance_km: float = Field(default=25.0, ge=0)
    public_url: str | None = None
    network: Path | None = None
    elevation: Path | None = None
    population: Path | None = None
    verify_due_days: int = Field(default=90, gt=0)
    verify_stale_days: int = Field(default=180, gt=0)

    @model_validator(mode="after")
    def _verification_ages(self) -> Settings:
        if self.verify_stale_days < self.verify_due_days:
            raise ValueError("verify_stale_days must not be less than verify_due_days")
        return self
