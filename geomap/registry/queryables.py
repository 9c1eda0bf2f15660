"""What a filter (CQL2) and ``sortby`` may name in each collection: the queryables.

Each queryable maps a public name to a place in the stored record (a JSON path inside its
properties, or the record's id) with a type. The same table drives the
``/collections/{id}/queryables`` JSON Schema, the checks of a filter and its SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from geomap.registry.messages import RUMOUR_TOPICS, TOPICS
from geomap.registry.pathways import NEEDS, PATHWAY_STATUSES
from geomap.registry.vocab import KINDS, POPULATIONS, SERVICES, STATUSES, VISIBILITIES, WHEELCHAIR

Kind = Literal["string", "integer", "number", "boolean", "date", "timestamp"]


@dataclass(frozen=True)
class Queryable:
    """One queryable property.

    Attributes
    ----------
    name : str
        The name used in filters and ``sortby``.
    type : str
        ``string``, ``integer``, ``number``, ``boolean``, ``date`` or ``timestamp``; of the
        items when ``array``.
    path : tuple of str
        Where it is inside the record's properties (``("name", "es")``); empty for the id.
    title : str
        A short description.
    array : bool
        Whether the property is a list of such values (services, populations ...).
    enum : tuple of str
        The allowed values, when the property takes codes of a vocabulary.
    """

    name: str
    type: Kind
    path: tuple[str, ...]
    title: str
    array: bool = False
    enum: tuple[str, ...] = ()

    @property
    def is_id(self) -> bool:
        """Whether this is the record id (a column, not a property)."""
        return not self.path

    def schema(self) -> dict[str, Any]:
        """The queryable as a JSON Schema property (OGC API – Features Part 3)."""
        item: dict[str, Any] = {"type": "integer" if self.type == "integer" else self.type}
        if self.type in ("date", "timestamp"):
            item = {"type": "string", "format": "date" if self.type == "date" else "date-time"}
        if self.enum:
            item["enum"] = list(self.enum)
        if self.array:
            return {"title": self.title, "type": "array", "items": item}
        return {"title": self.title, **item}


def _table(*items: Queryable) -> Mapping[str, Queryable]:
    return {q.name: q for q in items}


COMMON = (
    Queryable("id", "string", (), "The record id"),
    Queryable("country", "string", ("country",), "ISO 3166-1 alpha-2 country code"),
    Queryable("visibility", "string", ("visibility",), "Who may see it", enum=VISIBILITIES),
    Queryable("sample", "boolean", ("sample",), "Illustrative sample data, not a real record"),
)

PLACES: Mapping[str, Queryable] = _table(
    *COMMON,
    Queryable("kind", "string", ("kind",), "Kind of place", enum=tuple(KINDS)),
    Queryable("name", "string", ("name", "es"), "Name (Spanish)"),
    Queryable("name_pt", "string", ("name", "pt"), "Name (Portuguese)"),
    Queryable("name_en", "string", ("name", "en"), "Name (English)"),
    Queryable("organizations", "string", ("organizations",), "Who runs it", array=True),
    Queryable("admin1", "string", ("admin1",), "First-level admin area"),
    Queryable("admin1_pcode", "string", ("admin1_pcode",), "P-code of the admin1 area"),
    Queryable("admin2", "string", ("admin2",), "Second-level admin area"),
    Queryable("admin2_pcode", "string", ("admin2_pcode",), "P-code of the admin2 area"),
    Queryable("services", "string", ("services",), "Services", array=True, enum=tuple(SERVICES)),
    Queryable("populations", "string", ("populations",), "Who it serves", True, tuple(POPULATIONS)),
    Queryable("languages", "string", ("languages",), "Languages spoken (ISO 639)", array=True),
    Queryable("wheelchair", "string", ("wheelchair",), "Wheelchair access", enum=WHEELCHAIR),
    Queryable("capacity", "integer", ("capacity",), "How many people it can host"),
    Queryable("status", "string", ("status",), "Open or closed", enum=STATUSES),
    Queryable("verified_at", "date", ("verified_at",), "When it was last verified"),
    Queryable("opening_hours", "string", ("opening_hours",), "OSM opening_hours rule"),
)

RISK_TYPES = (
    "armed_groups",
    "trafficking_smuggling",
    "crime_hotspot",
    "irregular_border_crossing",
    "flooding_landslide",
    "extreme_cold_altitude",
    "other",
)
LEVELS = ("avoid", "high", "medium", "low")

RISK_ZONES: Mapping[str, Queryable] = _table(
    *COMMON,
    Queryable("name", "string", ("name",), "Name of the zone"),
    Queryable("risk_type", "string", ("risk_type",), "Kind of risk", enum=RISK_TYPES),
    Queryable("level", "string", ("level",), "avoid, high, medium or low", enum=LEVELS),
    Queryable("valid_from", "timestamp", ("valid_from",), "Start of validity"),
    Queryable("valid_until", "timestamp", ("valid_until",), "End of validity"),
    Queryable("night_only", "boolean", ("night_only",), "Only at night"),
    Queryable("source", "string", ("source",), "Where the assessment comes from"),
)

PATHWAYS: Mapping[str, Queryable] = _table(
    *COMMON,
    Queryable("name", "string", ("name", "es"), "Name (Spanish)"),
    Queryable("name_pt", "string", ("name", "pt"), "Name (Portuguese)"),
    Queryable("name_en", "string", ("name", "en"), "Name (English)"),
    Queryable("need", "string", ("need",), "The need it answers", enum=tuple(NEEDS)),
    Queryable("status", "string", ("status",), "Active or suspended", enum=PATHWAY_STATUSES),
    Queryable("admin1", "string", ("area", "admin1"), "First-level admin area it covers"),
    Queryable("admin2", "string", ("area", "admin2"), "Second-level admin area it covers"),
    Queryable("network", "string", ("area", "network"), "The walking network it covers"),
    Queryable("valid_from", "date", ("valid_from",), "Start of validity"),
    Queryable("valid_until", "date", ("valid_until",), "End of validity"),
    Queryable("approved_by", "string", ("approved_by",), "Who approved it"),
)

MESSAGES: Mapping[str, Queryable] = _table(
    *COMMON,
    Queryable("topic", "string", ("topic",), "Topic of the message", enum=tuple(TOPICS)),
    Queryable("title", "string", ("title", "es"), "Title (Spanish)"),
    Queryable("title_pt", "string", ("title", "pt"), "Title (Portuguese)"),
    Queryable("title_en", "string", ("title", "en"), "Title (English)"),
    Queryable("countries", "string", ("countries",), "Countries where it applies", array=True),
    Queryable("agencies", "string", ("agencies",), "Source agencies", array=True),
    Queryable("approved_by", "string", ("approved_by",), "Who approved it"),
    Queryable("valid_from", "date", ("valid_from",), "Start of validity"),
    Queryable("valid_until", "date", ("valid_until",), "End of validity"),
    Queryable(
        "answers", "string", ("answers",), "Rumour topics it answers", True, tuple(RUMOUR_TOPICS)
    ),
)

#: The queryables of every collection, by collection id.
QUERYABLES: Mapping[str, Mapping[str, Queryable]] = {
    "places": PLACES,
    "risk_zones": RISK_ZONES,
    "referral_pathways": PATHWAYS,
    "messages": MESSAGES,
}


def schema(queryables: Mapping[str, Queryable], *, url: str, title: str) -> dict[str, Any]:
    """The ``/queryables`` document: a JSON Schema (2020-12) of the queryable properties."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": title,
        "properties": {name: q.schema() for name, q in queryables.items()},
        "additionalProperties": False,
    }
