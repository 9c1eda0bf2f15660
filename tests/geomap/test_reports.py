"""Small-number suppression of the monitoring reports, in JSON, CSV and HXL."""

from __future__ import annotations

import csv
import io
import itertools
import random

import hxl
import pytest

from geomap.reports import SMALL, WITHHELD, referral_report, rumour_report, suppress

PATHWAYS = {
    "br-gbv": {"name": {"es": "Ruta VBG"}, "need": "gbv_case_management"},
    "br-legal": {"name": {"pt": "Rota jurídica"}, "need": "legal_aid"},
}


def hxl_errors(text: str) -> list[dict]:
    result = hxl.validate(hxl.data(io.BytesIO(text.encode("utf-8"))))
    return [i for i in result["issues"] if i["severity"] == "error"]


def test_three_referrals_in_a_cell_show_as_under_five_everywhere() -> None:
    counts = [
        ("br-gbv", "BR", "Rio Grande do Sul", "2026-03", "women", 3),
        ("br-gbv", "BR", "Rio Grande do Sul", "2026-03", "children_adolescents", 12),
    ]
    table = referral_report(counts, PATHWAYS)
    rows = {r["population"]: r["referrals"] for r in table.json()["rows"]}
    assert rows == {"women": SMALL, "children_adolescents": 12, "total": WITHHELD}
    for fmt in ("csv", "hxl"):
        body, media = table.render(fmt)
        assert media.startswith("text/csv")
        parsed = list(csv.reader(io.StringIO(str(body))))
        data = parsed[2:] if fmt == "hxl" else parsed[1:]
        women = next(r for r in data if "women" in r)
        assert women[-1] == "<5"
        assert "3" not in women
        assert not any(r[-1] in ("15", "3") for r in data)  # the total is withheld too
    hxl_text = str(table.render("hxl")[0])
    assert list(csv.reader(io.StringIO(hxl_text)))[1][0] == "#activity+code"
    assert hxl_errors(hxl_text) == []


def test_totals_are_shown_only_when_nothing_in_the_group_is_suppressed() -> None:
    cells = {
        (("a",), "x"): 10, (("a",), "y"): 7,  # nothing small: total 17
        (("b",), "x"): 1, (("b",), "y"): 1, (("b",), "z"): 30,  # 1 + 1 recoverable from 32
        (("c",), "x"): 2, (("c",), "y"): 1,  # the total itself is small
        (("d",), "x"): 0, (("d",), "y"): 9,  # zeros are not listed
    }  # fmt: skip
    published = {(g[0], c): v for g, c, v in suppress(cells)}
    assert published == {
        ("a", "x"): 10, ("a", "y"): 7, ("a", "total"): 17,
        ("b", "x"): SMALL, ("b", "y"): SMALL, ("b", "z"): 30, ("b", "total"): WITHHELD,
        ("c", "x"): SMALL, ("c", "y"): SMALL, ("c", "total"): SMALL,
        ("d", "y"): 9, ("d", "total"): 9,
    }  # fmt: skip


@pytest.mark.parametrize("seed", range(20))
def test_no_suppressed_count_can_be_recomputed_from_what_is_published(seed: int) -> None:
    rng = random.Random(seed)
    cells = {
        ((f"g{g}",), f"c{c}"): rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 20])
        for g, c in itertools.product(range(6), range(4))
    }
    published: dict[str, dict[str, object]] = {}
    for group, category, value in suppress(cells):
        published.setdefault(group[0], {})[category] = value
    for group, values in published.items():
        truth = {c[1]: n for c, n in cells.items() if c[0][0] == group and n > 0}
        for category, value in values.items():
            exact = sum(truth.values()) if category == "total" else truth[category]
            if isinstance(value, int):
                assert value == exact
            else:
                assert value in (SMALL, WITHHELD)
                assert value != SMALL or 0 < exact < 5
        hidden = [c for c, v in values.items() if v == SMALL and c != "total"]
        if hidden:  # every way of filling the "<5" cells fits what is published
            assert not isinstance(values["total"], int)


def test_rows_of_pathways_the_reader_may_not_see_are_left_out() -> None:
    counts = [
        ("br-gbv", "BR", "", "2026-03", "women", 7),
        ("br-hidden", "BR", "", "2026-03", "women", 40),
    ]
    rows = referral_report(counts, PATHWAYS).json()["rows"]
    assert {r["pathway"] for r in rows} == {"br-gbv"}
    assert all(r["country"] == "BRA" for r in rows)


def test_rumour_report_lists_the_messages_answering_each_topic() -> None:
    counts = [
        ("BR", "Rio Grande do Sul", "2026-03-02", "border_closure", 3),
        ("BR", "Rio Grande do Sul", "2026-03-02", "job_offers", 8),
    ]
    table = rumour_report(counts, {"job_offers": ["msg-jobs"]}, {"job_offers": "Job offers"})
    rows = {r["topic"]: r for r in table.json()["rows"]}
    assert rows["border_closure"]["rumours"] == SMALL
    assert rows["job_offers"]["rumours"] == 8
    assert rows["job_offers"]["answered_by"] == "msg-jobs"
    assert rows["total"]["rumours"] == WITHHELD
    assert hxl_errors(str(table.render("hxl")[0])) == []
