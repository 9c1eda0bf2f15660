"""API tokens in the store.

Created once (only their SHA-256 is kept), listed, revoked, and turned back into callers by
:meth:`TokensMixin.authenticate` on every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from geomap.errors import AuthenticationError, ConflictError, NotFoundError, PermissionDeniedError
from geomap.registry.access import ROLES, Caller, hash_token, new_token
from geomap.registry.store.records import now
from geomap.registry.store.writes import SQLWrites

_LOCK = "tokens"


class TokensMixin(SQLWrites):
    """Token management for the SQL stores."""

    def create_token(self, name: str, role: str, countries: Iterable[str] = ()) -> str:
        """Create an API token; the plain token is returned once and only its hash is kept.

        Raises
        ------
        ConflictError
            If a token of that name exists.
        PermissionDeniedError
            For an unknown role, or an officer without countries.
        """
        codes = sorted({c.strip().upper() for c in countries if c.strip()})
        if role not in ROLES:
            raise PermissionDeniedError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        if role == "officer" and not codes:
            raise PermissionDeniedError("an officer token needs at least one country")
        token = new_token()
        with self._write(_LOCK) as tx:
            if tx.cur.one("SELECT 1 AS x FROM tokens WHERE name = ?", (name,)):
                raise ConflictError(f"a token named {name!r} already exists")
            tx.cur.run(
                "INSERT INTO tokens (hash, name, role, countries, created_at, revoked_at) "
                "VALUES (?, ?, ?, ?, ?, NULL)",
                (hash_token(token), name, role, ",".join(codes), now()),
            )
        return token

    def revoke_token(self, name: str) -> None:
        """Revoke a token by name; every process refuses it from its next request on.

        Raises
        ------
        NotFoundError
            If there is no active token of that name.
        """
        with self._write(_LOCK) as tx:
            changed = tx.cur.run(
                "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (now(), name),
            )
            if changed == 0:
                raise NotFoundError(f"no active token named {name!r}")

    def list_tokens(self) -> list[dict[str, Any]]:
        """Tokens without their secrets: name, role, countries, created, revoked."""
        with self._reading() as cur:
            rows = cur.all(
                "SELECT name, role, countries, created_at, revoked_at FROM tokens ORDER BY name"
            )
        return [
            {
                "name": r["name"],
                "role": r["role"],
                "countries": r["countries"].split(",") if r["countries"] else [],
                "created_at": r["created_at"],
                "revoked_at": r["revoked_at"],
            }
            for r in rows
        ]

    def authenticate(self, token: str) -> Caller:
        """The caller a token stands for, read from the database on every call.

        There is no cache, so a revocation holds at once in every process.

        Raises
        ------
        AuthenticationError
            If the token is empty, unknown or revoked.
        """
        if not token:
            raise AuthenticationError("unknown or revoked API token")
        with self._reading() as cur:
            row = cur.one(
                "SELECT name, role, countries FROM tokens WHERE hash = ? AND revoked_at IS NULL",
                (hash_token(token),),
            )
        if row is None or row["role"] not in ROLES:
            raise AuthenticationError("unknown or revoked API token")
        countries = frozenset(row["countries"].split(",")) if row["countries"] else frozenset()
        return Caller(row["role"], countries, row["name"])
