"""``geomap referrals …`` and ``geomap messages …`` on the sample registry, pathways and bank."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import DATA

SAMPLE = DATA / "porto_alegre"
AT = "-51.2177,-30.0346"


def geomap(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GEOMAP_")}
    environment["GEOMAP_REGISTRY_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "geomap", *args],
        capture_output=True, text=True, timeout=300, check=False, env=environment, cwd=db.parent,
    )  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "registry.sqlite"
    for name, collection in (
        ("sample_registry.geojson", "places"),
        ("sample_pathways.geojson", "referral_pathways"),
        ("sample_messages.geojson", "messages"),
    ):
        done = geomap("registry", "import", str(SAMPLE / name), "--collection", collection, db=path)
        assert done.returncode == 0, done.stderr
    return path


def test_find_shows_each_view_its_steps(db: Path, tmp_path: Path) -> None:
    public = geomap("referrals", "find", "--need", "gbv_case_management", "--at", AT,
                    "-o", str(tmp_path / "a.geojson"), db=db)  # fmt: skip
    assert public.returncode == 0, public.stderr
    lines = public.stdout.splitlines()
    assert lines[0].startswith("1. Primera acogida")
    assert not any(line.startswith("2.") for line in lines)
    assert "Casa de acogida" not in public.stdout
    assert sum(line.startswith("ask:") for line in lines) == 2
    written = json.loads((tmp_path / "a.geojson").read_text())
    assert [f["properties"]["role"] for f in written["features"]] == [
        "step",
        "entry_point",
        "entry_point",
    ]
    partner = geomap("referrals", "find", "--need", "gbv_case_management", "--at", AT,
                     "--view", "partners", "--country", "BR", "--lang", "pt", db=db)  # fmt: skip
    assert [line.split(" ")[0] for line in partner.stdout.splitlines()][:3] == ["1.", "2.", "3."]
    assert "Casa de acolhimento" in partner.stdout


def test_messages_list_and_booklet(db: Path, tmp_path: Path) -> None:
    listed = geomap("messages", "list", "--country", "BR", "--lang", "pt", db=db)
    assert listed.returncode == 0, listed.stderr
    assert "[AMOSTRA] Como pedir refúgio (sample-br-msg-asylum)" in listed.stdout
    assert "8 messages in force in BR (public view)" in listed.stdout
    out = tmp_path / "booklet.html"
    made = geomap("messages", "booklet", "--country", "BR", "--lang", "pt", "-o", str(out), db=db)
    assert made.returncode == 0, made.stderr
    html = out.read_text(encoding="utf-8")
    assert html.count('class="message"') == 8
    assert "Mensagens-chave" in html


def test_check_lists_what_answers_would_leave_out(db: Path, tmp_path: Path) -> None:
    pathways = json.loads((SAMPLE / "sample_pathways.geojson").read_text(encoding="utf-8"))
    broken = pathways["features"][0]
    broken["id"] = "sample-poa-path-broken"
    broken["properties"]["steps"][0]["place"] = "sample-poa-99"
    broken["properties"]["entry_points"] = [{"place": "sample-poa-13"}]
    path = tmp_path / "broken.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [broken]}))
    done = geomap("registry", "import", str(path), "--collection", "referral_pathways", db=db)
    assert done.returncode == 0, done.stderr
    checked = geomap("referrals", "check", "--country", "BR", db=db)
    assert checked.returncode == 0, checked.stderr
    assert "sample-poa-path-broken step first-contact: place 'sample-poa-99' does not exist" in (
        checked.stdout
    )
    assert "sample-poa-path-broken step entry point 1: place 'sample-poa-13' is not" in (
        checked.stdout
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["referrals", "find", "--need", "pizza", "--at", AT], "unknown need 'pizza'"),
        (["referrals", "find", "--need", "health"], "either at=LON,LAT or from_place=ID"),
        (["referrals", "find", "--need", "health", "--from-place", "sample-poa-13"],
         "no item 'sample-poa-13'"),
        (["messages", "list", "--country", "Brasil"], "ISO 3166-1 alpha-2"),
        (["messages", "booklet", "--country", "BR", "--lang", "xx9", "-o", "b.html"],
         "not an ISO 639 language code"),
    ],
)  # fmt: skip
def test_each_mistake_is_one_line(db: Path, args: list[str], words: str) -> None:
    done = geomap(*args, db=db)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert words in done.stderr


def test_report_writes_suppressed_counts_as_hxl(db: Path, tmp_path: Path) -> None:
    from geomap.registry.access import SYSTEM
    from geomap.registry.monitoring import RumourRow
    from geomap.registry.store import open_store

    store = open_store(db)
    for _ in range(3):
        store.record_rumour(RumourRow("job_offers", "BR", "", "2026-03-02"), SYSTEM)
    store.close()
    target = tmp_path / "rumours.csv"
    done = geomap("referrals", "report", "--of", "rumours", "-o", str(target), db=db)
    assert done.returncode == 0, done.stderr
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("#country+code")
    row = next(line for line in lines if ",job_offers," in line)
    assert ",<5," in row
    assert "sample-br-msg-trafficking" in row  # the message answering job-offer rumours
    bad = geomap("referrals", "report", "--of", "gossip", "-o", str(target), db=db)
    assert bad.returncode == 2
