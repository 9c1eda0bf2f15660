"""The registry's collections and their rules: one table shared by the CLI, the API and imports.

Each collection says which geometry it holds, which validator checks its features, which
members of a served feature are read-only, which filters it takes and which export formats it
offers. Everything that reads features into a collection (API POST/PUT/PATCH, imports through
the API or the CLI, GeoPackage round trips) goes through :func:`validate_features` /
:func:`validate_feature`, so the rules cannot disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from pydantic import BaseModel

from geomap.errors import NotFoundError, RegistryValidationError
from geomap.registry import queryables
from geomap.registry.messages import MessageProperties, validate_message
from geomap.registry.pathways import PATHWAY_STATUSES, PathwayProperties, validate_pathway
from geomap.registry.queryables import Queryable
from geomap.registry.risk import RiskZoneProperties, validate_risk_zone
from geomap.registry.store import Item
from geomap.registry.validate import PlaceProperties, validate_collection, validate_place
from geomap.registry.vocab import KINDS, SERVICES, STATUSES

Problem = dict[str, Any]

#: Members of a served feature's properties that clients may send back but never set.
READ_ONLY_PROPERTIES = ("version", "verification")


class Validator(Protocol):
    """Validates one GeoJSON feature of a collection (see :func:`validate_place`)."""

    def __call__(
        self,
        feature: Any,
        *,
        index: int | None = ...,
        require_id: bool = ...,
        country_tolerance_km: float = ...,
    ) -> Item:
        """Validate ``feature``; raise ``RegistryValidationError`` listing every problem."""
        ...


class UnknownCollectionError(NotFoundError):
    """A collection name that the registry does not have."""


@dataclass(frozen=True)
class CollectionRules:
    """A registry collection and its rules.

    Attributes
    ----------
    id : str
        The collection id (``/collections/{id}``, ``--collection``).
    title, description : str
        Shown in the collection's metadata.
    geometry_types : tuple of str
        The GeoJSON geometry types its features have.
    holds : str
        What one feature is, for messages ("a place", "a risk zone").
    validator : Validator
        Turns a feature into a validated record, listing every problem.
    model : type of pydantic.BaseModel, optional
        The model of its properties (to read back flattened files such as GeoPackages).
    export_formats : tuple of str
        Formats of ``export`` (``geojson``, ``gpkg``, ``hxl``).
    kinds, statuses, services : tuple of str
        The values the ``kind``, ``status`` and ``services`` filters accept.
    queryables : mapping of str to Queryable
        What CQL2 filters and ``sortby`` may name (``/collections/{id}/queryables``).
    parameters : tuple of str
        The queryables also taken as plain query parameters (``?level=avoid``).
    schema : str
        The name of its feature models in the API definition (``Place`` for ``PlaceFeature``,
        ``PlaceFeatureIn``, ``PlaceCollection`` ...).
    verified : bool
        Whether its items carry ``verified_at`` and so a ``verification`` status.
    examples : mapping of str to str
        Examples of its ``filter`` and ``sortby`` for the API definition.
    """

    id: str
    title: str
    description: str
    geometry_types: tuple[str, ...]
    holds: str
    validator: Validator
    model: type[BaseModel] | None = None
    export_formats: tuple[str, ...] = ("geojson", "gpkg")
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    queryables: Mapping[str, Queryable] = dataclasses.field(default_factory=dict)
    parameters: tuple[str, ...] = ()
    schema: str = "Place"
    verified: bool = False
    examples: Mapping[str, str] = dataclasses.field(default_factory=dict)


PLACES = CollectionRules(
    id="places",
    title="Support spaces, information points and service points",
    description=(
        "Places that offer support to refugees and migrants in transit: who runs them, which "
        "services they offer, to whom and when."
    ),
    geometry_types=("Point",),
    holds="a place (a Point)",
    validator=validate_place,
    model=PlaceProperties,
    export_formats=("geojson", "gpkg", "hxl"),
    kinds=tuple(KINDS),
    statuses=STATUSES,
    services=tuple(SERVICES),
    queryables=queryables.PLACES,
    parameters=("kind", "status", "country", "services"),
    schema="Place",
    verified=True,
    examples={
        "filter": "kind = 'support_space' AND A_CONTAINS(services, ('food'))",
        "sortby": "-verified_at,name",
    },
)

RISK_ZONES = CollectionRules(
    id="risk_zones",
    title="Risk zones",
    description=(
        "Areas where people in transit face danger (armed groups, trafficking, crime, irregular "
        "crossings, floods, cold): 'avoid' zones are never routed through; 'high', 'medium' "
        "and 'low' zones are soft penalties. Polygons in lon/lat."
    ),
    geometry_types=("Polygon", "MultiPolygon"),
    holds="a risk zone (a Polygon or MultiPolygon)",
    validator=validate_risk_zone,
    model=RiskZoneProperties,
    queryables=queryables.RISK_ZONES,
    parameters=("country", "risk_type", "level"),
    schema="RiskZone",
    examples={"filter": "level = 'avoid' AND night_only = false", "sortby": "level,name"},
)

REFERRAL_PATHWAYS = CollectionRules(
    id="referral_pathways",
    title="Referral pathways",
    description=(
        "Integrated referral routes between support spaces for one need (GBV case management, "
        "clinical management of rape, psychosocial support, child protection, legal aid, "
        "documentation, shelter, health): the ordered steps, with contact, consent, "
        "eligibility and hours, and the public entry points. The geometry is the area where "
        "a pathway is in force (null: the whole country). A pathway is as hidden as its most "
        "hidden step; /referrals shows each caller the steps they may see."
    ),
    geometry_types=("Polygon", "MultiPolygon"),
    holds="a referral pathway (an area: a Polygon, a MultiPolygon or null)",
    validator=validate_pathway,
    model=PathwayProperties,
    statuses=PATHWAY_STATUSES,
    queryables=queryables.PATHWAYS,
    parameters=("status", "country"),
    schema="Pathway",
    examples={
        "filter": "need = 'gbv_case_management' AND status = 'active'",
        "sortby": "need,name",
    },
)

MESSAGES = CollectionRules(
    id="messages",
    title="Key messages",
    description=(
        "The common bank of key messages agreed between agencies (self-care, rights, asylum "
        "and regularisation, trafficking, answers to rumours), in the languages people speak, "
        "with the countries and dates where they are in force. No location: geometry is null."
    ),
    geometry_types=(),
    holds='a key message (no location: "geometry": null)',
    validator=validate_message,
    model=MessageProperties,
    export_formats=("geojson",),
    queryables=queryables.MESSAGES,
    parameters=("country",),
    schema="Message",
    examples={
        "filter": "topic = 'trafficking' AND A_CONTAINS(countries, ('BR'))",
        "sortby": "topic,title",
    },
)

#: Every collection of the registry, by id.
COLLECTIONS: Mapping[str, CollectionRules] = {
    r.id: r for r in (PLACES, RISK_ZONES, REFERRAL_PATHWAYS, MESSAGES)
}


def collection_rules(
    name: str, collections: Mapping[str, CollectionRules] = COLLECTIONS
) -> CollectionRules:
    """The rules of a collection by name.

    Raises
    ------
    UnknownCollectionError
        Naming the collections there are.
    """
    rules = collections.get(name)
    if rules is None:
        raise UnknownCollectionError(
            f"no collection {name!r}; the registry has: {', '.join(collections)}"
        )
    return rules


def without_read_only(feature: Any) -> Any:
    """The feature without the read-only members a served feature carries (a copy)."""
    if not isinstance(feature, dict):
        return feature
    body = {k: v for k, v in feature.items() if k != "links"}
    if isinstance(body.get("properties"), dict):
        body["properties"] = {
            k: v for k, v in body["properties"].items() if k not in READ_ONLY_PROPERTIES
        }
    return body


def _geometry_problem(rules: CollectionRules, feature: Any, index: int | None) -> Problem | None:
    """A precise problem when a feature's geometry type is not the collection's."""
    if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
        return None
    kind = feature["geometry"].get("type")
    if not isinstance(kind, str) or kind in rules.geometry_types:
        return None
    other = next((r for r in COLLECTIONS.values() if kind in r.geometry_types), None)
    hint = f"; is this {other.holds}? it belongs in '{other.id}'" if other else ""
    fid = feature.get("id")
    return {
        "index": index,
        "id": str(fid) if isinstance(fid, str | int) and not isinstance(fid, bool) else None,
        "field": "geometry.type",
        "message": (f"'{rules.id}' holds {rules.holds}, not a {kind}{hint}"),
    }


def validate_feature(
    rules: CollectionRules,
    feature: Any,
    *,
    fid: str,
    country_tolerance_km: float,
    problems: list[Problem] | None = None,
) -> Item:
    """Validate one feature of a request body as record ``fid`` of the collection.

    Read-only members are dropped and the body's own ``id`` is ignored (the caller checks it
    against ``fid``). ``problems`` found by the caller are reported together with the
    feature's own.

    Raises
    ------
    RegistryValidationError
        Listing every problem.
    """
    found = list(problems or [])
    wrong = _geometry_problem(rules, feature, None)
    if wrong is not None:
        raise RegistryValidationError([*found, wrong])
    body = without_read_only(feature)
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "id"}
    try:
        item = rules.validator(body, require_id=False, country_tolerance_km=country_tolerance_km)
    except RegistryValidationError as exc:
        raise RegistryValidationError(found + exc.problems) from None
    if found:
        raise RegistryValidationError(found)
    return cast(Item, dataclasses.replace(cast(Any, item), id=fid))


def validate_features(
    rules: CollectionRules, collection: Any, *, country_tolerance_km: float
) -> list[Item]:
    """Validate a FeatureCollection for the collection; every problem of every feature.

    A feature of the wrong geometry type (a places file imported into ``risk_zones``) is
    refused with a message that names the collection it belongs in.

    Raises
    ------
    RegistryValidationError
        If the document or any feature is invalid, or ids repeat.
    """
    if isinstance(collection, dict) and isinstance(collection.get("features"), list):
        features = collection["features"]
        wrong = [
            p for i, f in enumerate(features) if (p := _geometry_problem(rules, f, i)) is not None
        ]
        if wrong:
            raise RegistryValidationError(
                wrong, f"{len(wrong)} of {len(features)} feature(s) cannot go into '{rules.id}'"
            )
        collection = {**collection, "features": [without_read_only(f) for f in features]}
    return cast(
        list[Item],
        validate_collection(
            collection, country_tolerance_km=country_tolerance_km, validator=rules.validator
        ),
    )
