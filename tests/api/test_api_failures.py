"""Unexpected failures answer a bare problem+json 500 and are logged without request data.

The fault is real: a stored record is corrupted behind the server's back.
"""

from __future__ import annotations

import sqlite3

from tests.api.seed import assert_problem

PROBE_BBOX = "-51.98765432,-30.98765432,-50.12345678,-29.12345678"


def test_a_corrupt_record_is_a_500_problem_that_discloses_nothing(server, seeded, clients) -> None:
    with sqlite3.connect(seeded.db) as conn:
        conn.execute("UPDATE records SET properties = '{broken' WHERE id = 'br-05'")
    client = clients["anonymous"]
    response = client.get("/collections/places/items", params={"bbox": PROBE_BBOX, "limit": 100})
    problem = assert_problem(response, 500)
    assert problem["title"] == "Internal Server Error"
    for leak in ("Traceback", "JSONDecodeError", "sqlite", ".py", "broken", "Expecting"):
        assert leak not in response.text
    assert_problem(client.get("/collections/places/items/br-05"), 500)
    # the rest still works
    assert client.get("/collections/places/items/br-01").status_code == 200
    log = server.log.read_text()
    assert "unhandled JSONDecodeError in GET /collections/{collectionId}/items" in log
    assert "Expecting property name" not in log  # the message may quote data: not logged
    for number in PROBE_BBOX.split(","):
        assert number not in log
