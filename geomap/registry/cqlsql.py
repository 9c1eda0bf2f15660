"""The SQL writer of CQL2 filters: one walk over the CQL2 JSON tree per dialect.

See :mod:`geomap.registry.cql` for what is supported and why it is safe: property paths come
from the queryables, never from the input, and every input value is a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from geomap.errors import RegistryValidationError
from geomap.registry.geometry import clip
from geomap.registry.queryables import Queryable

Dialect = Literal["sqlite", "postgis"]
#: Most nodes in a filter's tree, deepest nesting, most values in a list.
MAX_NODES = 200
MAX_DEPTH = 20
MAX_LIST = 100

_COMPARISONS = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ARRAY_OPS = ("a_contains", "a_containedby", "a_overlaps", "a_equals")


def problem(message: str) -> RegistryValidationError:
    """The error of a bad filter: one problem about ``query.filter``."""
    return RegistryValidationError(
        [{"index": None, "id": None, "field": "query.filter", "message": message}],
        f"filter: {message}",
    )


@dataclass(frozen=True)
class _Sql:
    """A compiled operand: SQL text, its parameters and its CQL2 type."""

    text: str
    params: tuple[Any, ...]
    type: str  # string, number, boolean, date, timestamp, array, null
    enum: tuple[str, ...] = ()
    name: str = ""


class Compiler:
    """Walks a CQL2 JSON tree once, checking it and writing SQL in one dialect.

    Parameters
    ----------
    queryables : mapping
        What the filter may name.
    dialect : str
        ``sqlite`` (``?`` parameters) or ``postgis`` (``%s`` parameters, psycopg).
    table : str
        The alias of the records table in the query.
    """

    def __init__(self, queryables: Mapping[str, Queryable], dialect: Dialect, table: str) -> None:
        self.queryables = queryables
        self.dialect = dialect
        self.table = table
        self.nodes = 0
        self.mark = "?" if dialect == "sqlite" else "%s"

    # ---------------------------------------------------------------- operands
    def _prop(self, name: Any) -> _Sql:
        if not isinstance(name, str) or name not in self.queryables:
            known = ", ".join(self.queryables)
            raise problem(f"unknown property {clip(name, 40)}; queryables: {known}")
        q = self.queryables[name]
        kind = "array" if q.array else ("number" if q.type == "integer" else q.type)
        return _Sql(self.column(q), (), kind, q.enum, name)

    def column(self, q: Queryable) -> str:
        """The SQL reading a queryable in this dialect (typed for comparisons)."""
        t = self.table
        if q.is_id:
            return f"{t}.id"
        if self.dialect == "sqlite":
            return f"json_extract({t}.properties, '$.{'.'.join(q.path)}')"
        if q.array:
            return f"({t}.properties #> '{{{','.join(q.path)}}}')"
        text = f"({t}.properties #>> '{{{','.join(q.path)}}}')"
        cast = {"integer": "numeric", "number": "numeric", "boolean": "boolean"}.get(q.type)
        cast = cast or {"date": "date", "timestamp": "timestamptz"}.get(q.type)
        return f"{text}::{cast}" if cast else text

    def _literal(self, value: Any) -> _Sql:
        if isinstance(value, bool):
            return _Sql(self.mark, (value if self.dialect == "postgis" else int(value),), "boolean")
        if isinstance(value, int | float):
            return _Sql(self.mark, (value,), "number")
        if isinstance(value, str):
            return _Sql(self.mark, (value,), "string")
        if value is None:
            return _Sql("NULL", (), "null")
        if isinstance(value, dict) and set(value) == {"date"}:
            try:
                day = date.fromisoformat(str(value["date"]))
            except ValueError:
                raise problem(f"{clip(value['date'])} is not a date (YYYY-MM-DD)") from None
            return _Sql(self.mark, (day.isoformat(),), "date")
        if isinstance(value, dict) and set(value) == {"timestamp"}:
            text = str(value["timestamp"])
            try:
                datetime.fromisoformat(text)
            except ValueError:
                raise problem(f"{clip(text)} is not an RFC 3339 timestamp") from None
            return self._timestamp(text)
        if isinstance(value, dict) and ("interval" in value or "type" in value or "bbox" in value):
            raise problem("temporal intervals and geometries are not supported in filters")
        raise problem(f"cannot use {clip(value)} as a value here")

    def _timestamp(self, text: str) -> _Sql:
        if self.dialect == "sqlite":
            return _Sql(f"julianday({self.mark})", (text,), "timestamp")
        return _Sql(f"{self.mark}::timestamptz", (text,), "timestamp")

    def _operand(self, node: Any) -> _Sql:
        self._count()
        if isinstance(node, dict) and set(node) == {"property"}:
            found = self._prop(node["property"])
            if found.type == "timestamp" and self.dialect == "sqlite":
                return _Sql(f"julianday({found.text})", (), "timestamp", name=found.name)
            return found
        if isinstance(node, dict) and node.get("op") == "casei":
            args = node.get("args")
            if not isinstance(args, list) or len(args) != 1:
                raise problem("CASEI takes one argument")
            inner = self._operand(args[0])
            if inner.type != "string":
                raise problem("CASEI applies to text")
            return _Sql(f"lower({inner.text})", inner.params, "string", name=inner.name)
        if isinstance(node, dict) and "op" in node:
            op = str(node["op"]).lower()
            if op == "accenti":
                raise problem("ACCENTI is not supported: compare with the accents written")
            raise problem(f"{clip(node['op'], 30)} cannot be used as a value")
        return self._literal(node)

    # ---------------------------------------------------------------- predicates
    def _count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise problem(f"the filter has more than {MAX_NODES} terms")

    def predicate(self, node: Any, depth: int = 0) -> tuple[str, tuple[Any, ...]]:
        """The SQL condition of a CQL2 JSON node and its parameters.

        Raises
        ------
        RegistryValidationError
            Saying what in the filter is wrong.
        """
        self._count()
        if depth > MAX_DEPTH:
            raise problem(f"the filter nests more than {MAX_DEPTH} levels deep")
        if isinstance(node, bool):
            return ("1 = 1" if node else "1 = 0"), ()
        if isinstance(node, dict) and set(node) == {"property"}:
            found = self._prop(node["property"])
            if found.type != "boolean":
                raise problem(f"{found.name} is not true or false: compare it with a value")
            true = self._literal(True)
            return f"{found.text} = {true.text}", true.params
        if not isinstance(node, dict) or "op" not in node or "args" not in node:
            raise problem(f"expected a condition, got {clip(node)}")
        op, args = str(node["op"]).lower(), node["args"]
        if not isinstance(args, list):
            raise problem(f"the arguments of {clip(op, 30)} must be a list")
        if op in ("and", "or"):
            if len(args) < 2:
                raise problem(f"{op.upper()} needs at least two conditions")
            parts = [self.predicate(a, depth + 1) for a in args]
            joiner = f" {op.upper()} "
            return joiner.join(f"({s})" for s, _ in parts), tuple(p for _, ps in parts for p in ps)
        if op == "not":
            if len(args) != 1:
                raise problem("NOT takes one condition")
            inner, params = self.predicate(args[0], depth + 1)
            return f"NOT ({inner})", params
        if op in _COMPARISONS:
            return self._comparison(op, args)
        if op == "like":
            return self._like(args)
        if op == "between":
            return self._between(args)
        if op == "in":
            return self._in_list(args)
        if op == "isnull":
            if len(args) != 1:
                raise problem("IS NULL takes one property")
            value = self._operand(args[0])
            return f"{value.text} IS NULL", value.params
        if op in _ARRAY_OPS:
            return self._array(op, args)
        if op.startswith("s_"):
            raise problem("spatial functions are not supported in filters: use bbox")
        if op.startswith("t_"):
            raise problem("temporal functions are not supported in filters: compare dates")
        raise problem(f"unknown or unsupported operator {clip(node['op'], 30)}")

    def _pair(self, args: list[Any], what: str) -> tuple[_Sql, _Sql]:
        if len(args) != 2:
            raise problem(f"{what} takes two arguments")
        left, right = self._operand(args[0]), self._operand(args[1])
        for side in (left, right):
            if side.type == "array":
                raise problem(
                    f"{side.name} is a list: use A_CONTAINS, A_OVERLAPS, A_CONTAINEDBY or A_EQUALS"
                )
        left, right = self._coerce(left, right), self._coerce(right, left)
        if "null" not in (left.type, right.type) and left.type != right.type:
            raise problem(
                f"cannot compare {left.name or left.type} ({left.type}) with "
                f"{right.name or right.type} ({right.type})"
            )
        self._check_enum(left, right)
        self._check_enum(right, left)
        return left, right

    def _coerce(self, value: _Sql, other: _Sql) -> _Sql:
        """A text literal compared with a date or timestamp property, read as one.

        CQL2 writes ``DATE('2024-05-01')``; clients such as GDAL send ``'2024-05-01'``.
        """
        if value.type != "string" or value.text != self.mark or not other.name:
            return value
        text = str(value.params[0])
        if other.type == "date":
            try:
                return _Sql(self.mark, (date.fromisoformat(text[:10]).isoformat(),), "date")
            except ValueError:
                raise problem(f"{other.name} is a date: {clip(text)} is not one") from None
        if other.type == "timestamp":
            try:
                datetime.fromisoformat(text)
            except ValueError:
                raise problem(f"{other.name} is a timestamp: {clip(text)} is not one") from None
            return self._timestamp(text)
        return value

    @staticmethod
    def _check_enum(prop: _Sql, value: _Sql) -> None:
        if prop.enum and value.text in ("?", "%s") and value.type == "string":
            code = value.params[0]
            if code not in prop.enum:
                raise problem(
                    f"unknown {prop.name} {clip(code, 40)}; known: {', '.join(prop.enum)}"
                )

    def _comparison(self, op: str, args: list[Any]) -> tuple[str, tuple[Any, ...]]:
        left, right = self._pair(args, op)
        if "null" in (left.type, right.type):
            raise problem("compare with NULL using IS NULL")
        return f"{left.text} {_COMPARISONS[op]} {right.text}", left.params + right.params

    def _like(self, args: list[Any]) -> tuple[str, tuple[Any, ...]]:
        left, right = self._pair(args, "LIKE")
        if left.type != "string" or right.type != "string" or len(right.params) != 1:
            raise problem("LIKE compares a text property with a text pattern")
        pattern = right.params[0]
        if self.dialect == "postgis":  # CQL2 LIKE is case-sensitive, as PostgreSQL's
            return f"{left.text} LIKE {right.text} ESCAPE '\\'", (*left.params, pattern)
        # SQLite's LIKE ignores ASCII case: GLOB is case-sensitive, so translate to it
        return f"{left.text} GLOB {right.text}", (*left.params, _glob(pattern))

    def _between(self, args: list[Any]) -> tuple[str, tuple[Any, ...]]:
        if len(args) != 3:
            raise problem("BETWEEN takes a property and two bounds")
        value, low = self._pair(args[:2], "BETWEEN")
        _, high = self._pair([args[0], args[2]], "BETWEEN")
        if value.type not in ("number", "date", "timestamp", "string"):
            raise problem("BETWEEN needs numbers, dates or timestamps")
        return (
            f"{value.text} BETWEEN {low.text} AND {high.text}",
            value.params + low.params + high.params,
        )

    def _in_list(self, args: list[Any]) -> tuple[str, tuple[Any, ...]]:
        if len(args) != 2 or not isinstance(args[1], list) or not args[1]:
            raise problem("IN takes a property and a non-empty list of values")
        if len(args[1]) > MAX_LIST:
            raise problem(f"IN takes at most {MAX_LIST} values")
        value = self._operand(args[0])
        items = [self._pair([args[0], v], "IN")[1] for v in args[1]]
        marks = ", ".join(i.text for i in items)
        return f"{value.text} IN ({marks})", value.params + tuple(
            p for i in items for p in i.params
        )

    def _array(self, op: str, args: list[Any]) -> tuple[str, tuple[Any, ...]]:
        if len(args) != 2 or not isinstance(args[1], list):
            raise problem(f"{op.upper()} takes a list property and a list of values")
        prop = self._operand(args[0])
        if prop.type != "array":
            raise problem(f"{op.upper()} needs a list property such as services")
        values = args[1]
        if len(values) > MAX_LIST:
            raise problem(f"{op.upper()} takes at most {MAX_LIST} values")
        for value in values:
            if not isinstance(value, str):
                raise problem(f"{prop.name} holds text values, not {clip(value)}")
            self._check_enum(prop, _Sql(self.mark, (value,), "string"))
        if self.dialect == "postgis":
            return self._array_postgis(op, prop.text, values)
        return self._array_sqlite(op, prop.text, values)

    @staticmethod
    def _array_sqlite(op: str, column: str, values: list[str]) -> tuple[str, tuple[Any, ...]]:
        each = f"json_each(coalesce({column}, '[]'))"
        marks = ", ".join("?" * len(values)) or "NULL"
        has = [f"EXISTS (SELECT 1 FROM {each} WHERE value = ?)" for _ in values]
        within = f"NOT EXISTS (SELECT 1 FROM {each} WHERE value NOT IN ({marks}))"
        if op == "a_contains":
            return " AND ".join(has) or "1 = 1", tuple(values)
        if op == "a_containedby":
            return within, tuple(values)
        if op == "a_overlaps":
            return f"EXISTS (SELECT 1 FROM {each} WHERE value IN ({marks}))", tuple(values)
        return f"({' AND '.join([*has, within])})", (*values, *values)

    @staticmethod
    def _array_postgis(op: str, column: str, values: list[str]) -> tuple[str, tuple[Any, ...]]:
        doc = json.dumps(values)
        if op == "a_contains":
            return f"coalesce({column}, '[]'::jsonb) @> %s::jsonb", (doc,)
        if op == "a_containedby":
            return f"coalesce({column}, '[]'::jsonb) <@ %s::jsonb", (doc,)
        if op == "a_overlaps":
            return (
                f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(coalesce({column}, "
                "'[]'::jsonb)) AS e(v) WHERE e.v = ANY(%s))",
                (values,),
            )
        return (
            f"(coalesce({column}, '[]'::jsonb) @> %s::jsonb AND "
            f"coalesce({column}, '[]'::jsonb) <@ %s::jsonb)",
            (doc, doc),
        )


def _glob(pattern: str) -> str:
    """A CQL2 LIKE pattern (``%`` any text, ``_`` one character, backslash escapes) as GLOB."""
    out = []
    escaped = False
    for ch in pattern:
        if escaped:
            out.append(f"[{ch}]" if ch in "*?[" else ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        elif ch in "*?[":
            out.append(f"[{ch}]")
        else:
            out.append(ch)
    if escaped:
        out.append("\\")
    return "".join(out)
