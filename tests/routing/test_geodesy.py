"""Step lengths of a network build, against pyproj's geodesic (an independent implementation)."""

from __future__ import annotations

import numpy as np
from pyproj import Geod

from routing.geodesy import SHORT_STEP_M, geodesic_steps

GEOD = Geod(ellps="WGS84")


def _walk(seed: int, longest_m: float, n: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """A random walk of ``n`` steps anywhere up to 85 degrees of latitude."""
    rng = np.random.default_rng(seed)
    lon, lat = [float(rng.uniform(-180, 180))], [float(rng.uniform(-85, 85))]
    for az, d in zip(rng.uniform(0, 360, n), rng.uniform(0, longest_m, n), strict=True):
        x, y, _ = GEOD.fwd(lon[-1], lat[-1], az, d)
        if abs(y) > 85:
            x, y = float(rng.uniform(-180, 180)), float(rng.uniform(-60, 60))
        lon.append(x)
        lat.append(y)
    return np.array(lon), np.array(lat)


def test_short_steps_agree_with_pyproj_to_a_fraction_of_a_millimetre() -> None:
    lon, lat = _walk(1, SHORT_STEP_M)
    _, _, ref = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    assert np.max(np.abs(geodesic_steps(lon, lat) - ref)) < 5e-4


def test_long_steps_and_the_antimeridian_are_exact() -> None:
    lon, lat = _walk(2, 50_000.0, n=2_000)
    lon = np.concatenate([lon, [179.9999, -179.9999]])
    lat = np.concatenate([lat, [10.0, 10.0]])
    _, _, ref = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    steps = geodesic_steps(lon, lat)
    assert np.max(np.abs(steps - ref)) < 5e-4
    assert 20.0 < steps[-1] < 23.0  # 0.0002 degrees of longitude at 10 N, not 40,000 km


def test_steps_not_kept_are_zero_and_nan_points_stay_nan() -> None:
    lon = np.array([0.0, 0.001, 50.0, 50.001, np.nan])
    lat = np.array([0.0, 0.0, 10.0, 10.0, 10.0])
    steps = geodesic_steps(lon, lat, keep=np.array([True, False, True, True]))
    assert steps[1] == 0.0
    assert steps[0] > 100
    assert steps[2] > 100
    assert np.isnan(steps[3])
