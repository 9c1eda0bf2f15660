"""CQL2 filters (OGC API – Features Part 3) and ``sortby``, translated to SQL.

A filter arrives as CQL2 text or CQL2 JSON and is parsed by the ``cql2`` library into its JSON
form; :func:`parse_filter` then checks every property against the collection's queryables
(:mod:`geomap.registry.queryables`) and every literal against the property's type, and
:meth:`Filter.sql` writes a parameterized SQL condition in one of two dialects:

* ``sqlite``: properties stored as JSON text, read with ``json_extract`` and ``json_each``;
* ``postgis``: properties stored as ``jsonb``, read with ``#>>``, ``->`` and ``@>``.

Supported: ``AND``/``OR``/``NOT``, the six comparisons, ``LIKE``, ``BETWEEN``, ``IN``,
``IS NULL``, ``CASEI``, and ``A_CONTAINS``/``A_CONTAINEDBY``/``A_OVERLAPS``/``A_EQUALS`` on list
properties. Spatial and temporal functions are refused with a precise message (``bbox`` and
``datetime`` cover those). Property paths are written by this module from the queryables, never
from the input; every value from the input is a parameter.

The SQL only selects among rows; the store ANDs it after its visibility rule, guarded so that
it is never even evaluated on a row the caller may not see.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geomap.errors import RegistryValidationError
from geomap.registry.cqlsql import Compiler, Dialect, problem
from geomap.registry.geometry import clip
from geomap.registry.queryables import Queryable

#: Languages accepted in ``filter-lang``; ``cql-text`` is the draft name GDAL sends.
LANGUAGES = ("cql2-text", "cql2-json", "cql-text")
#: Longest filter text; most ``sortby`` keys.
MAX_FILTER_CHARS = 4096
MAX_SORT_KEYS = 5


@dataclass(frozen=True)
class Filter:
    """A checked CQL2 filter: its JSON tree and the queryables it was checked against."""

    tree: Any
    queryables: Mapping[str, Queryable]

    def sql(self, dialect: Dialect, table: str = "r") -> tuple[str, list[Any]]:
        """The SQL condition and its parameters (``?`` for sqlite, ``%s`` for postgis)."""
        text, params = Compiler(self.queryables, dialect, table).predicate(self.tree)
        return text, list(params)


def parse_filter(
    text_or_json: str | dict[str, Any],
    lang: str,
    queryables: Mapping[str, Queryable],
) -> Filter:
    """Parse and check a CQL2 filter.

    Parameters
    ----------
    text_or_json : str or dict
        The filter: CQL2 text, or CQL2 JSON (as text or already parsed).
    lang : str
        ``cql2-text`` (or its draft name ``cql-text``) or ``cql2-json``.
    queryables : mapping
        The collection's queryables.

    Raises
    ------
    RegistryValidationError
        One problem (field ``query.filter``) saying what is wrong and where.
    """
    import cql2

    if lang not in LANGUAGES:
        raise RegistryValidationError(
            [
                {
                    "index": None,
                    "id": None,
                    "field": "query.filter-lang",
                    "message": f"unknown filter-lang {clip(lang, 30)}; use cql2-text or cql2-json",
                }
            ]
        )
    source = text_or_json if isinstance(text_or_json, str) else json.dumps(text_or_json)
    if len(source) > MAX_FILTER_CHARS:
        raise problem(f"the filter is longer than {MAX_FILTER_CHARS} characters")
    if not source.strip():
        raise problem("the filter is empty")
    try:
        expr = cql2.parse_json(source) if lang == "cql2-json" else cql2.parse_text(source)
        tree = expr.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        detail = " ".join(str(exc).split())
        raise problem(
            f"not valid {lang.replace('cql-', 'cql2-')}: {clip(detail, 300)[1:-1]}"
        ) from None
    found = Filter(tree, queryables)
    found.sql("sqlite")  # checks every property, operator and value once
    return found


def compile_filter(
    text_or_json: str | dict[str, Any],
    lang: str,
    queryables: Mapping[str, Queryable],
    dialect: Dialect,
    *,
    table: str = "r",
) -> tuple[str, list[Any]]:
    """Parse, check and translate a CQL2 filter to a parameterized SQL condition.

    Raises
    ------
    RegistryValidationError
        See :func:`parse_filter`.
    """
    return parse_filter(text_or_json, lang, queryables).sql(dialect, table)


@dataclass(frozen=True)
class SortKey:
    """One ``sortby`` key: a queryable and its direction."""

    name: str
    descending: bool = False


def parse_sortby(text: str, queryables: Mapping[str, Queryable]) -> tuple[SortKey, ...]:
    """Read ``sortby``: comma-separated queryables, each optionally prefixed ``+`` or ``-``.

    Raises
    ------
    RegistryValidationError
        For an unknown or list property, a repeated key, or too many keys.
    """

    def refuse(message: str) -> RegistryValidationError:
        return RegistryValidationError(
            [{"index": None, "id": None, "field": "query.sortby", "message": message}],
            f"sortby: {message}",
        )

    keys: list[SortKey] = []
    for raw in text.split(","):
        item = raw.strip()
        descending = item.startswith("-")
        name = item[1:] if item[:1] in "+-" and item else item
        q = queryables.get(name)
        if q is None:
            sortable = ", ".join(n for n, x in queryables.items() if not x.array)
            raise refuse(f"cannot sort by {clip(name, 40)}; sortable: {sortable}")
        if q.array:
            raise refuse(f"{name} is a list and cannot be sorted by")
        if any(k.name == name for k in keys):
            raise refuse(f"{name} is given twice")
        keys.append(SortKey(name, descending))
    if len(keys) > MAX_SORT_KEYS:
        raise refuse(f"at most {MAX_SORT_KEYS} sort keys")
    return tuple(keys)


def order_by(
    keys: tuple[SortKey, ...],
    queryables: Mapping[str, Queryable],
    dialect: Dialect,
    *,
    table: str = "r",
) -> str:
    """The ``ORDER BY`` list of a sort: missing values last, then the id (stable pages)."""
    compiler = Compiler(queryables, dialect, table)
    parts = []
    for key in keys:
        q = queryables[key.name]
        column = compiler.column(q)
        if q.type == "timestamp" and dialect == "sqlite":
            column = f"julianday({column})"
        parts += [f"({column} IS NULL)", f"{column} {'DESC' if key.descending else 'ASC'}"]
    return ", ".join([*parts, f"{table}.id"])
