"""Who may see and change what: callers, roles, visibility rules and API tokens.

* anonymous callers see ``public`` records only and change nothing;
* ``partner`` tokens also see ``partners`` records;
* ``officer`` tokens see what partners see plus ``restricted`` records of their countries, and
  write records of their countries only;
* ``admin`` tokens see and write everything. Tokens are managed through the CLI.

Visibility is applied inside the store's SQL, so hidden records are absent from every list,
count and extent, and a hidden record answers "not found".
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

ROLES = ("partner", "officer", "admin")


@dataclass(frozen=True)
class Caller:
    """The identity a request acts as.

    Attributes
    ----------
    role : str
        ``anonymous``, ``partner``, ``officer`` or ``admin``.
    countries : frozenset of str
        ISO alpha-2 codes an officer works in (ignored for other roles).
    name : str
        Who, as recorded in the history.
    """

    role: str
    countries: frozenset[str] = field(default_factory=frozenset)
    name: str = "anonymous"

    @property
    def may_write(self) -> bool:
        """Whether the role ever writes (officers within their countries, admins)."""
        return self.role in ("officer", "admin")

    @property
    def is_anonymous(self) -> bool:
        """Whether the caller gave no token."""
        return self.role == "anonymous"

    def can_see(self, visibility: str, country: str | None) -> bool:
        """Whether this caller may see a record with this visibility and country."""
        if visibility == "public" or self.role == "admin":
            return True
        if visibility == "partners":
            return self.role in ("partner", "officer")
        return self.role == "officer" and country in self.countries

    def can_write(self, country: str | None) -> bool:
        """Whether this caller may create or change a record of this country."""
        if self.role == "admin":
            return True
        return self.role == "officer" and country in self.countries

    def visibility_sql(self, table: str = "r") -> tuple[str, list[str]]:
        """An SQL condition (and its parameters) selecting the records this caller may see."""
        if self.role == "admin":
            return "1 = 1", []
        if self.role == "partner":
            return f"{table}.visibility IN ('public', 'partners')", []
        if self.role == "officer":
            marks = ",".join("?" * len(self.countries)) or "NULL"
            return (
                f"({table}.visibility IN ('public', 'partners') OR "
                f"({table}.visibility = 'restricted' AND {table}.country IN ({marks})))",
                sorted(self.countries),
            )
        return f"{table}.visibility = 'public'", []


ANONYMOUS = Caller("anonymous")
#: The identity of command-line maintenance done on the server itself.
SYSTEM = Caller("admin", name="system")


def new_token() -> str:
    """A fresh random API token (shown once; only its hash is stored)."""
    return "gm_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256 of a high-entropy random string."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
