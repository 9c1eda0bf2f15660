"""Referral answers: the pathway in force at a point for a need, as each caller may see it.

:func:`referral_answer` finds the pathway in force where the person is (the most specific
first: an area polygon containing the point, then a pathway of the network covering it, then
one for the whole country), keeps the steps the caller may see, numbers them 1, 2, 3 … in
order, and adds the walking time to each step's place on the network covering the point and
whether it is open on arrival. The pathway's **entry points** (a public support space, a
hotline) are shown to everyone.

What a caller may see of a step (:func:`sees_step`): ``public`` steps, everyone; ``partners``
steps, partner and officer tokens; ``restricted`` steps, officers of the pathway's country and
partners whose token names that country. A step referring to a place is never less hidden than
that place is now. A place the caller may not see in the registry is shown by its name,
organizations and contact only: never its id or location.

A step the caller may not see changes nothing they can observe: not the steps shown, their
numbers, the entry points, the errors, nor the work done (walking times are computed for the
steps shown only). A pathway of which the caller may see nothing is passed over as if it did
not exist.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from geomap.answers import ATTRIBUTION, QuestionError
from geomap.deployment import Deployment, OutsideNetworksError
from geomap.errors import NotFoundError, ServiceUnavailableError
from geomap.registry.access import ANONYMOUS, SYSTEM, Caller
from geomap.registry.exports import iter_records
from geomap.registry.pathways import COLLECTION, NEEDS, more_hidden, need_labels
from geomap.registry.store import Record, RegistryStore
from geomap.registry.validate import COUNTRY_TOLERANCE_KM, km_outside_country
from geomap.transit import TransitService, site_from_record, snap_distances
from routing.router import check_lonlat
from routing.safe import Site

PLACES = "places"
LonLat = tuple[float, float]
#: Place members a referral answer shows of a place the caller may not see in the registry.
PRIVATE_PLACE_SHOWN = ("name", "organizations", "contact", "opening_hours", "languages")
#: Place members shown of a place the caller may see.
PLACE_SHOWN = (*PRIVATE_PLACE_SHOWN, "kind", "services", "populations", "wheelchair",
               "admin1", "admin2", "status")  # fmt: skip


def sees_step(caller: Caller, visibility: str, country: str | None) -> bool:
    """Whether ``caller`` may see a step of this visibility in a pathway of ``country``."""
    if caller.can_see(visibility, country):
        return True
    return visibility == "restricted" and caller.role == "partner" and country in caller.countries


def check_need(need: str) -> str:
    """A need code of the vocabulary.

    Raises
    ------
    QuestionError
        Naming the known needs.
    """
    if need not in NEEDS:
        raise QuestionError("query.need", f"unknown need {need!r}; known: {', '.join(NEEDS)}")
    return need


@dataclass(frozen=True)
class Pathway:
    """A stored pathway with its area ready for point tests."""

    id: str
    properties: dict[str, Any]
    area: Any  # a prepared shapely geometry, or None (the whole country or network)
    size: float

    def in_force(self, need: str, today: date) -> bool:
        """Whether the pathway answers ``need`` and is active on ``today``."""
        p = self.properties
        start, end = p.get("valid_from"), p.get("valid_until")
        return (
            p["need"] == need
            and p.get("status", "active") == "active"
            and not (start and date.fromisoformat(start) > today)
            and not (end and date.fromisoformat(end) < today)
        )


class ReferralDirectory:
    """The pathways of a registry (read once per version of the collection) and its places.

    Parameters
    ----------
    store : RegistryStore
        The registry.
    country_tolerance_km : float
        How far outside its country's outline a point still counts as in it (border posts).
    """

    def __init__(
        self, store: RegistryStore, *, country_tolerance_km: float = COUNTRY_TOLERANCE_KM
    ) -> None:
        self.store = store
        self.country_tolerance_km = country_tolerance_km
        self._lock = threading.Lock()
        self._cached: tuple[int, list[Pathway]] | None = None

    def pathways(self) -> list[Pathway]:
        """Every current pathway, whoever may see it (answers filter per caller)."""
        import shapely
        from shapely.prepared import prep

        version = self.store.collection_version(COLLECTION)
        cached = self._cached
        if cached is not None and cached[0] == version:
            return cached[1]
        found = []
        for r in iter_records(self.store, COLLECTION, SYSTEM):
            shape = shapely.geometry.shape(r.geometry) if r.geometry else None
            area = prep(shape) if shape is not None else None
            found.append(Pathway(r.id, r.properties, area, shape.area if shape else 0.0))
        with self._lock:
            self._cached = (version, found)
        return found

    def place(self, fid: str) -> Record | None:
        """A current place by id, whoever may see it (None when missing or retired)."""
        try:
            return self.store.get(PLACES, fid, SYSTEM)
        except NotFoundError:
            return None

    def candidates(
        self, point: LonLat, need: str, *, network: str | None, today: date
    ) -> list[Pathway]:
        """Pathways in force at ``point`` for ``need``, the most specific first."""
        import shapely

        here = shapely.Point(point)
        ranked: list[tuple[tuple[int, float, str], Pathway]] = []
        outside: dict[str, float] = {}
        for pathway in self.pathways():
            if not pathway.in_force(need, today):
                continue
            if pathway.area is not None:
                if pathway.area.covers(here):
                    ranked.append(((0, pathway.size, pathway.id), pathway))
                continue
            wanted = pathway.properties.get("area", {}).get("network")
            if wanted is not None:
                if wanted == network:
                    ranked.append(((1, 0.0, pathway.id), pathway))
                continue
            country = pathway.properties["country"]
            if country not in outside:
                outside[country] = km_outside_country(point[0], point[1], country)
            if outside[country] <= self.country_tolerance_km:
                ranked.append(((2, outside[country], pathway.id), pathway))
        return [p for _, p in sorted(ranked, key=lambda pair: pair[0])]


@dataclass
class Shown:
    """A step or entry point as a caller sees it, before walking times are added."""

    role: str
    properties: dict[str, Any]
    site: Site | None = None  # the place, when it is on the network and its time is shown
    located: bool = False  # whether the caller may see where the place is
    hours: str | None = None


def _place_json(record: Record, visible: bool) -> dict[str, Any]:
    keys = PLACE_SHOWN if visible else PRIVATE_PLACE_SHOWN
    shown = {k: record.properties[k] for k in keys if k in record.properties}
    return {"id": record.id, **shown} if visible else shown


def _resolve(
    directory: ReferralDirectory, pathway: Pathway, caller: Caller
) -> tuple[list[Shown], list[Shown]]:
    """The steps ``caller`` may see (numbered anew) and the public entry points."""
    country = pathway.properties["country"]
    steps: list[Shown] = []
    for step in pathway.properties["steps"]:
        visibility, record = step.get("visibility", "partners"), None
        if not sees_step(caller, visibility, country):
            continue  # decided before any look-up: a hidden step costs nothing to skip
        if "place" in step:
            record = directory.place(step["place"])
            if record is None:
                continue
            visibility = more_hidden(visibility, record.properties.get("visibility", "public"))
        if not sees_step(caller, visibility, country):
            continue
        body = {k: v for k, v in step.items() if k not in ("place", "visibility")}
        body = {"step": len(steps) + 1, **body}
        located = False
        if record is not None:
            located = caller.can_see(record.properties.get("visibility", "public"), country)
            body["place"] = _place_json(record, located)
            body.setdefault("organization", ", ".join(record.properties.get("organizations", [])))
        hours = step.get("hours") or (record.properties.get("opening_hours") if record else None)
        site = site_from_record(record) if record is not None else None
        steps.append(Shown("step", body, site, located, hours))
    entries: list[Shown] = []
    for entry in pathway.properties.get("entry_points", []):
        body = {k: v for k, v in entry.items() if k != "place"}
        record = None
        if "place" in entry:
            record = directory.place(entry["place"])
            if record is None or not ANONYMOUS.can_see(
                record.properties.get("visibility", "public"), country
            ):
                continue  # an entry point is public, or it is not shown at all
            body["place"] = _place_json(record, True)
        hours = entry.get("hours") or (record.properties.get("opening_hours") if record else None)
        site = site_from_record(record) if record is not None else None
        entries.append(Shown("entry_point", body, site, record is not None, hours))
    return steps, entries


def _locate(deployment: Deployment, point: LonLat) -> TransitService | None:
    try:
        return deployment.locate(point, what="point")
    except (OutsideNetworksError, ServiceUnavailableError):
        return None


def _walking(
    transit: TransitService | None,
    origin: LonLat,
    shown: Sequence[Shown],
    *,
    when: datetime,
    max_minutes: float,
    start: str | None,
) -> None:
    """Add walking time, distance and opening on arrival to every item (in place).

    The place the person is at (``start``) is 0 minutes away.
    """
    from routing.safe import Site as RoutingSite

    sites = [s.site for s in shown if s.site is not None]
    times: dict[str, dict[str, Any]] = {}
    if transit is not None and sites:
        far = snap_distances(transit.safe.plain, [(s.lon, s.lat) for s in sites])
        reachable = [s for s, d in zip(sites, far, strict=True) if d <= transit.max_snap_m]
        transit.refresh()
        found = transit.safe.nearby(origin, reachable, minutes=max_minutes, when=when)
        times = {item["site"].id: item for item in found}
    for item in shown:
        p = item.properties
        timed = times.get(item.site.id) if item.site is not None else None
        if item.site is not None and item.site.id == start:  # the person is there already
            timed = {"minutes": 0.0, "distance_m": 0.0}
        p["walking_minutes"] = timed["minutes"] if timed else None
        p["distance_m"] = timed["distance_m"] if timed else None
        arrival = when + timedelta(minutes=timed["minutes"]) if timed else when
        if item.site is not None and not item.site.active:
            p["open_on_arrival"] = False
        else:
            hours = RoutingSite(id="", name="", lon=0.0, lat=0.0, opening_hours=item.hours)
            p["open_on_arrival"] = hours.open_at(arrival)
        p["hours"] = item.hours
        if timed:
            p["arrival"] = arrival.isoformat(timespec="minutes")


def _feature(item: Shown) -> dict[str, Any]:
    geometry = None
    if item.site is not None and item.located:
        geometry = {"type": "Point", "coordinates": [item.site.lon, item.site.lat]}
    return {"type": "Feature", "geometry": geometry, "properties": {"role": item.role,
            **item.properties}}  # fmt: skip


def _origin(
    directory: ReferralDirectory, caller: Caller, at: LonLat | None, from_place: str | None
) -> tuple[LonLat, str | None]:
    if (at is None) == (from_place is None):
        raise QuestionError("query.at", "give either at=LON,LAT or from_place=ID")
    if at is not None:
        return check_lonlat(at, what="point"), None
    assert from_place is not None
    record = directory.store.get(PLACES, from_place, caller)  # hidden and missing: 404 alike
    lon, lat = record.geometry["coordinates"][:2]
    return (float(lon), float(lat)), record.id


def referral_answer(
    deployment: Deployment,
    directory: ReferralDirectory,
    caller: Caller,
    *,
    need: str,
    when: datetime,
    at: LonLat | None = None,
    from_place: str | None = None,
    max_minutes: float = 120.0,
) -> dict[str, Any]:
    """The referral pathway in force at a point (or a place) for a need, as GeoJSON.

    Parameters
    ----------
    deployment : Deployment
        The networks (walking times on the one covering the point; none when none does).
    directory : ReferralDirectory
        The registry's pathways and places.
    caller : Caller
        Who asks (decides the steps shown).
    need : str
        A code of :data:`geomap.registry.pathways.NEEDS`.
    when : datetime
        Local time of departure (validity dates, opening on arrival).
    at, from_place
        Where the person is: a lon/lat point, or a place the caller may see.
    max_minutes : float
        Places farther on foot get no walking time.

    Returns
    -------
    dict
        A FeatureCollection: the steps (``role: step``, numbered from 1), then the entry
        points (``role: entry_point``); a step's geometry is its place's location when the
        caller may see it, else null. Members: ``need``, ``pathway`` (null unless the
        caller may see the whole record), ``network``.

    Raises
    ------
    QuestionError
        For an unknown need or neither/both of ``at`` and ``from_place``.
    NotFoundError
        For a ``from_place`` that is missing or hidden from the caller.
    """
    check_need(need)
    origin, start = _origin(directory, caller, at, from_place)
    transit = _locate(deployment, origin)
    network = transit.network_id if transit is not None else None
    chosen: Pathway | None = None
    steps: list[Shown] = []
    entries: list[Shown] = []
    for pathway in directory.candidates(origin, need, network=network, today=when.date()):
        steps, entries = _resolve(directory, pathway, caller)
        if steps or entries:
            chosen = pathway
            break
    _walking(transit, origin, [*steps, *entries], when=when, max_minutes=max_minutes, start=start)
    for item in steps:
        here = start is not None and item.properties.get("place", {}).get("id") == start
        item.properties["here"] = here
    header = None
    if chosen is not None and caller.can_see(
        chosen.properties.get("visibility", "partners"), chosen.properties["country"]
    ):
        p = chosen.properties
        header = {"id": chosen.id, "name": p["name"], "country": p["country"],
                  "area": p.get("area", {}), "visibility": p.get("visibility", "partners"),
                  "sample": p.get("sample", False)}  # fmt: skip
    return {
        "type": "FeatureCollection",
        "need": need,
        "need_labels": need_labels(need),
        "pathway": header,
        "network": network,
        "time": when.isoformat(timespec="minutes"),
        "found": chosen is not None,
        "features": [_feature(s) for s in [*steps, *entries]],
        "attribution": ATTRIBUTION,
    }
