"""Settings read from the environment (prefix ``GEOMAP_``) or given explicitly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geomap.resources import shipped_data_dir


class Settings(BaseSettings):
    """geomap settings.

    Attributes
    ----------
    data_dir : Path
        Where the shipped data lives (OSM extracts, landmarks, population, page content); the
        installed package data by default.
    output_dir : Path
        Where commands write their results by default (``geomap-out/``).
    max_snap_m : float
        A point farther than this from any road is refused.
    walk_speed_kmh : float
        Walking speed used for walking times.
    registry_db : Path
        The registry's SQLite file (the embedded default).
    registry_url : str, optional
        A ``postgresql://…`` URL of a PostGIS registry (or ``sqlite:///path``); wins over
        ``registry_db`` when set. Several API processes or hosts can share one PostGIS.
    max_body_bytes : int
        Largest request body the API accepts (1 MiB).
    country_tolerance_km : float
        How far outside its declared country's outline a place may lie.
    public_url : str, optional
        Base URL the API is reached at (for links).
    network : Path, optional
        One saved walking network (``geomap network build``).
    networks : str, optional
        Several saved networks: a folder of ``*.npz`` files or a comma-separated list; wins
        over ``network``. Without either, the routing endpoints answer 503.
    elevation : Path, optional
        An elevation raster for the slope factor of walking times.
    population : Path, optional
        A population layer (CSV with lon/lat, GeoJSON or GeoPackage with a ``population``
        column) for the coverage endpoint.
    max_catchment_minutes : float
        Longest walking time a catchment may ask for.
    max_catchments : int
        Most catchment times in one request.
    max_stage_km : float
        Longest day a stages request may ask for.
    max_route_km : float
        Longest straight-line distance between the ends of a route request.
    max_coverage_services : int
        Most services in one coverage request.
    heavy_concurrency : int
        Heavy requests (catchments, stages, coverage) served at once per process; more are
        answered 503 with ``Retry-After``.
    heavy_queue : int
        Heavy requests that may wait for a free slot (beyond it: 503 at once).
    time_budget_s : float
        Time budget of a heavy request: it waits at most half of it for a slot, and is answered
        503 when its answer takes longer than all of it.
    verify_due_days : int
        Days after its ``verified_at`` when a place is due for verification.
    verify_stale_days : int
        Days after its ``verified_at`` when a place is stale (marked in every answer and
        ranked after fresher places).
    """

    model_config = SettingsConfigDict(env_prefix="GEOMAP_")

    data_dir: Path = Field(default_factory=shipped_data_dir)
    output_dir: Path = Field(default=Path("geomap-out"))
    max_snap_m: float = Field(default=500.0, gt=0)
    walk_speed_kmh: float = Field(default=4.5, gt=0)
    registry_db: Path = Field(default=Path("geomap-data/registry.sqlite"))
    registry_url: str | None = None
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    country_tolerance_km: float = Field(default=25.0, ge=0)
    public_url: str | None = None
    network: Path | None = None
    networks: str | None = None
    elevation: Path | None = None
    population: Path | None = None
    max_catchment_minutes: float = Field(default=120.0, gt=0)
    max_catchments: int = Field(default=5, gt=0)
    max_stage_km: float = Field(default=80.0, gt=0)
    max_route_km: float = Field(default=1000.0, gt=0)
    max_coverage_services: int = Field(default=13, gt=0)
    heavy_concurrency: int = Field(default=2, gt=0)
    heavy_queue: int = Field(default=4, ge=0)
    time_budget_s: float = Field(default=20.0, gt=0)
    verify_due_days: int = Field(default=90, gt=0)
    verify_stale_days: int = Field(default=180, gt=0)

    @model_validator(mode="after")
    def _verification_ages(self) -> Settings:
        if self.verify_stale_days < self.verify_due_days:
            raise ValueError("verify_stale_days must not be less than verify_due_days")
        return self

    @field_validator("network", "elevation", "population", "registry_db", mode="before")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("is set but empty: unset it or name a file")
        return value

    @field_validator("networks", "registry_url", "public_url", mode="before")
    @classmethod
    def _text_not_empty(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise ValueError("is set but empty: unset it or give a value")
        return value


def describe_error(exc: Exception) -> str:
    """One line naming the bad setting(s) of a pydantic ``ValidationError``."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    parts = []
    for error in errors():
        name = ".".join(str(p) for p in error.get("loc", ())) or "settings"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"GEOMAP_{name.upper()} {message}")
    return "; ".join(parts)
