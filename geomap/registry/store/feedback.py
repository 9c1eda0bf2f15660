"""Anonymous feedback on public places ("report a problem with this place").

A report holds the place's id and country, a kind, an optional short note and the day it came
in: no coordinates, no address, no user agent, no time of day. Only current public places take
feedback; an unknown id, a hidden one and a retired one all get the same "not found", so
feedback never tells whether a hidden record exists. Officers read the reports of their
countries; admins read all.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from geomap.errors import NotFoundError, PermissionDeniedError, RegistryValidationError
from geomap.registry.access import ANONYMOUS, Caller
from geomap.registry.store.records import FEEDBACK_KINDS, MAX_NOTE_CHARS, Feedback
from geomap.registry.store.writes import SQLWrites

PLACES = "places"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _invalid(field: str, message: str) -> RegistryValidationError:
    return RegistryValidationError(
        [{"index": None, "id": None, "field": field, "message": message}], message
    )


def clean_note(note: str | None) -> str | None:
    """The note as stored: NFC, trimmed, None when empty.

    Raises
    ------
    RegistryValidationError
        For control characters or more than :data:`MAX_NOTE_CHARS` characters.
    """
    if note is None:
        return None
    text = unicodedata.normalize("NFC", note).strip()
    if _CONTROL.search(text):
        raise _invalid("note", "must not contain control characters (line breaks included)")
    if len(text) > MAX_NOTE_CHARS:
        raise _invalid("note", f"must be at most {MAX_NOTE_CHARS} characters")
    return text or None


class FeedbackMixin(SQLWrites):
    """Feedback for the SQL stores."""

    def add_feedback(self, place_id: str, kind: str, note: str | None = None) -> None:
        """Keep an anonymous report about a current public place.

        Raises
        ------
        RegistryValidationError
            For an unknown kind or a bad note (checked before the place is looked up).
        NotFoundError
            For an id that is not a current public place (unknown, hidden or retired alike).
        """
        if kind not in FEEDBACK_KINDS:
            raise _invalid("kind", f"kind must be one of {', '.join(FEEDBACK_KINDS)}")
        text = clean_note(note)
        seen, params = ANONYMOUS.visibility_sql("r")
        with self._write("feedback") as tx:
            row = tx.cur.one(
                "SELECT r.country FROM records r WHERE r.collection = ? AND r.id = ? "
                f"AND r.retired = 0 AND {seen}",
                (PLACES, place_id, *params),
            )
            if row is None:
                raise NotFoundError(f"no place {place_id!r}")
            tx.cur.run(
                "INSERT INTO feedback (place, country, kind, note, received_on) "
                "VALUES (?, ?, ?, ?, ?)",
                (place_id, row["country"], kind, text, datetime.now(UTC).date().isoformat()),
            )

    def list_feedback(self, caller: Caller, *, country: str | None = None) -> list[Feedback]:
        """Reports about places of the caller's countries (all for admins), newest first.

        Raises
        ------
        PermissionDeniedError
            For callers other than officers and admins, or an officer asking for another
            country.
        """
        if caller.role not in ("officer", "admin"):
            raise PermissionDeniedError("feedback is read by officers and admins only")
        clauses, args = ["1 = 1"], []
        if caller.role == "officer":
            codes = sorted(caller.countries)
            clauses.append(f"f.country IN ({', '.join('?' * len(codes)) or 'NULL'})")
            args += codes
        if country is not None:
            code = country.strip().upper()
            if caller.role == "officer" and code not in caller.countries:
                mine = ", ".join(sorted(caller.countries))
                raise PermissionDeniedError(
                    f"officer {caller.name!r} reads feedback of {mine} only"
                )
            clauses.append("f.country = ?")
            args.append(code)
        with self._reading() as cur:
            rows = cur.all(
                "SELECT f.id, f.place, f.country, f.kind, f.note, f.received_on FROM feedback f "
                f"WHERE {' AND '.join(clauses)} ORDER BY f.id DESC",
                args,
            )
        return [
            Feedback(int(r["id"]), r["place"], r["country"], r["kind"], r["note"], r["received_on"])
            for r in rows
        ]
