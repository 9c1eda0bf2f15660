"""``geomap referrals …`` and ``geomap messages …``: pathways, referral answers and the bank.

Every command reads the registry the settings name, as the view it is given (``--view public``
by default: what anyone may see), and writes the same answers the API serves.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from geomap.cli.common import load_settings, out, parse_point, when_opt
from geomap.localtime import local_now
from geomap.settings import Settings

if TYPE_CHECKING:
    from geomap.deployment import Deployment
    from geomap.registry.access import Caller
    from geomap.registry.store import RegistryStore

referrals_app = typer.Typer(
    help="Referral pathways: where to refer a person, step by step.", no_args_is_help=True
)
messages_app = typer.Typer(help="The common bank of key messages.", no_args_is_help=True)

VIEWS = ("public", "partners", "all")
ViewOpt = Annotated[
    str, typer.Option(help="Whose view: public, partners (with --country) or all (admin).")
]
CountryOpt = Annotated[str | None, typer.Option(help="ISO code: a partner of this country.")]


def view_caller(view: str, country: str | None) -> Caller:
    """The caller a ``--view`` (and ``--country`` for partners) stands for."""
    from geomap.registry.access import ANONYMOUS, Caller

    if view not in VIEWS:
        raise typer.BadParameter(f"--view must be one of {', '.join(VIEWS)}")
    if view == "public":
        return ANONYMOUS
    if view == "all":
        return Caller("admin", name="cli")
    countries = frozenset({country.strip().upper()}) if country else frozenset()
    return Caller("partner", countries, name="cli")


def _open(settings: Settings) -> RegistryStore:
    from geomap.service import open_registry

    return open_registry(settings)


def _deployment(settings: Settings, store: RegistryStore, network: Path | None) -> Deployment:
    from geomap.deployment import Deployment, NetworkEntry, network_info
    from geomap.service import load_network, network_id, open_deployment, transit_service
    from geomap.transit import RegistryPlaces, RegistryZones

    if network is None:
        return open_deployment(settings, store, warm_up=False)
    net = load_network(network)
    ident = network_id(net, network)
    service = transit_service(
        settings, net, RegistryPlaces(store), RegistryZones(store), network_id=ident
    )
    return Deployment([NetworkEntry(ident, service, network_info(ident, net, []))])


def _line(p: dict[str, Any], lang: str) -> str:
    from geomap.registry.texts import pick

    place = p.get("place", {})
    name = pick(place.get("name"), lang) or p.get("organization") or ""
    label = pick(p.get("label"), lang)
    parts = [f"{label}: {name}" if label else name]
    if p.get("walking_minutes") is not None:
        parts.append(f"{p['walking_minutes']:.0f} min on foot")
    state = {True: "open on arrival", False: "closed on arrival", None: "hours unknown"}
    parts.append(state[p.get("open_on_arrival")])
    contact = p.get("contact") or place.get("contact") or {}
    parts += [f"{k} {v}" for k, v in contact.items()]
    if p.get("consent"):
        parts.append(f"consent: {p['consent']}")
    return "; ".join(parts)


@referrals_app.command("find")
def find(
    need: Annotated[str, typer.Option(help="The need, e.g. gbv_case_management.")],
    at_point: Annotated[str | None, typer.Option("--at", help="Where the person is.")] = None,
    from_place: Annotated[str | None, typer.Option(help="Or the place id they are at.")] = None,
    time: Annotated[str | None, typer.Option(help="Local time, ISO (default now).")] = None,
    network: Annotated[
        Path | None, typer.Option(help="A saved network (default: the settings' networks).")
    ] = None,
    view: ViewOpt = "public",
    country: CountryOpt = None,
    lang: Annotated[str, typer.Option(help="Language of the names shown.")] = "es",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="GeoJSON file.")] = None,
) -> None:
    """The referral pathway in force at a point (or place) for a need, step by step."""
    from geomap.io import check_output, write_json
    from geomap.referrals import ReferralDirectory, check_need, referral_answer

    settings = load_settings()
    check_need(need)
    caller = view_caller(view, country)
    point = parse_point(at_point, "--at") if at_point is not None else None
    when = when_opt(time) or local_now(point)
    if output is not None:
        check_output(output)
    store = _open(settings)
    try:
        directory = ReferralDirectory(store, country_tolerance_km=settings.country_tolerance_km)
        answer = referral_answer(
            _deployment(settings, store, network), directory, caller, need=need, when=when,
            at=point, from_place=from_place, max_minutes=settings.max_catchment_minutes,
        )  # fmt: skip
    finally:
        store.close()
    if not answer["found"]:
        out.print(f"no referral pathway for {need} here ({view} view)")
    for feature in answer["features"]:
        p = feature["properties"]
        mark = f"{p['step']}." if p["role"] == "step" else "ask:"
        out.print(f"{mark} {_line(p, lang)}", highlight=False)
    if output is not None:
        out.print(f"written: {write_json(output, answer)}")


@referrals_app.command("check")
def check(
    country: Annotated[str | None, typer.Option(help="Only this country's pathways.")] = None,
    network: Annotated[
        Path | None, typer.Option(help="A saved network (default: the settings' networks).")
    ] = None,
) -> None:
    """List what referral answers would leave out of each pathway, and why (for officers)."""
    from geomap.messagebank import check_country
    from geomap.pathway_checks import check_pathways
    from geomap.referrals import ReferralDirectory

    settings = load_settings()
    code = check_country(country, field="--country") if country else None
    store = _open(settings)
    try:
        rows = check_pathways(
            ReferralDirectory(store, country_tolerance_km=settings.country_tolerance_km),
            _deployment(settings, store, network),
            country=code,
        )
    finally:
        store.close()
    for row in rows:
        where = f" step {row['step']}" if row["step"] else ""
        out.print(f"{row['pathway']}{where}: {row['problem']}", highlight=False)
    out.print(f"{len(rows)} problem(s)")


@messages_app.command("list")
def list_messages(
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code, e.g. BR.")],
    lang: Annotated[str, typer.Option(help="ISO 639 code, e.g. pt.")] = "es",
    view: ViewOpt = "public",
) -> None:
    """The messages in force in a country today, in a language."""
    from geomap.messagebank import bank_json, check_country, check_language

    code, language = check_country(country), check_language(lang)
    store = _open(load_settings())
    try:
        bank = bank_json(
            store, view_caller(view, None), country=code, lang=language, today=date.today()
        )
    finally:
        store.close()
    for m in bank["messages"]:
        other = "" if m["lang"] == language else f" [{m['lang']}]"
        out.print(f"{m['topic']}: {m['title']}{other} ({m['id']})", highlight=False)
    out.print(f"{len(bank['messages'])} messages in force in {code} ({view} view)")


@messages_app.command("booklet")
def messages_booklet(
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code, e.g. BR.")],
    lang: Annotated[str, typer.Option(help="ISO 639 code, e.g. pt.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    paper: Annotated[str, typer.Option(help="A5 or A4.")] = "A5",
    view: ViewOpt = "public",
) -> None:
    """A print-ready HTML booklet of the messages in force, in one language."""
    from geomap.booklet import PAPERS, booklet, write_booklet
    from geomap.io import check_output
    from geomap.messagebank import check_country, check_language

    if paper not in PAPERS:
        raise typer.BadParameter(f"--paper must be one of {', '.join(PAPERS)}")
    code, language = check_country(country), check_language(lang)
    check_output(output)
    store = _open(load_settings())
    try:
        html = booklet(
            store, view_caller(view, None), country=code, lang=language, today=date.today(),
            paper=paper,
        )  # fmt: skip
    finally:
        store.close()
    out.print(f"booklet for {code} in {language} written to {write_booklet(output, html)}")


@referrals_app.command("report")
def report(
    of: Annotated[str, typer.Option("--of", help="referrals or rumours.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    fmt: Annotated[str, typer.Option("--format", help="json, csv or hxl.")] = "hxl",
    country: Annotated[str | None, typer.Option(help="Only this country's counts.")] = None,
    view: ViewOpt = "public",
) -> None:
    """A monitoring report (counts under 5 shown as '<5'), as the API publishes it."""
    from geomap import monitoring
    from geomap.io import check_output, write_text
    from geomap.messagebank import check_country

    if of not in ("referrals", "rumours"):
        raise typer.BadParameter("--of must be referrals or rumours")
    if fmt not in ("json", "csv", "hxl"):
        raise typer.BadParameter("--format must be json, csv or hxl")
    code = check_country(country, field="--country") if country else None
    check_output(output)
    store = _open(load_settings())
    try:
        caller = view_caller(view, code)
        table = (
            monitoring.referrals_table(store, caller, country=code)
            if of == "referrals"
            else monitoring.rumours_table(store, caller, country=code, today=date.today())
        )
    finally:
        store.close()
    body, _ = table.render(fmt)
    import json

    text = json.dumps(body, ensure_ascii=False, indent=2) if isinstance(body, dict) else body
    written = write_text(output, text)
    out.print(f"{len(table.rows)} rows of the {of} report written to {written}", highlight=False)
