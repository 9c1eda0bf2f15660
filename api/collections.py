"""The collections the API serves: one table of id, title, description and validator.

Adding a collection is adding a row to :data:`COLLECTIONS`; every route, link, count, extent,
queryable and per-collection schema of the API definition is driven by this table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from geomap.registry import queryables
from geomap.registry.queryables import Queryable
from geomap.registry.risk import validate_risk_zone
from geomap.registry.store import Item
from geomap.registry.validate import validate_place
from geomap.registry.vocab import KINDS, SERVICES, STATUSES


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


@dataclass(frozen=True)
class CollectionSpec:
    """A collection served by the API.

    Attributes
    ----------
    id : str
        The collection id in URLs (``/collections/{id}``).
    title, description : str
        Shown in the collection's metadata.
    validator : Validator
        Turns a request body into a validated record, listing every problem.
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
    validator: Validator
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    queryables: Mapping[str, Queryable] = dataclasses.field(default_factory=dict)
    parameters: tuple[str, ...] = ()
    schema: str = "Place"
    verified: bool = False
    examples: Mapping[str, str] = dataclasses.field(default_factory=dict)


PLACES = CollectionSpec(
    id="places",
    title="Support spaces, information points and service points",
    description=(
        "Places that offer support to refugees and migrants in transit: who runs them, which "
        "services they offer, to whom and when."
    ),
    validator=validate_place,
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

RISK_ZONES = CollectionSpec(
    id="risk_zones",
    title="Risk zones",
    description=(
        "Areas where people in transit face danger (armed groups, trafficking, crime, irregular "
        "crossings, floods, cold): 'avoid' zones are never routed through; 'high', 'medium' "
        "and 'low' zones are soft penalties. Polygons in lon/lat."
    ),
    validator=validate_risk_zone,
    queryables=queryables.RISK_ZONES,
    parameters=("country", "risk_type", "level"),
    schema="RiskZone",
    examples={"filter": "level = 'avoid' AND night_only = false", "sortby": "level,name"},
)

#: Every collection the API serves, by id.
COLLECTIONS: Mapping[str, CollectionSpec] = {spec.id: spec for spec in (PLACES, RISK_ZONES)}
