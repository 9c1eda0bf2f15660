"""What every command shares: consoles, progress, one-line errors, option types."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from geomap.errors import RegistryValidationError
from geomap.settings import Settings

console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

BUILD_STEPS = 7


@contextmanager
def steps(total: int, title: str) -> Iterator[Callable[[str], None]]:
    """A progress bar that advances one step each time the yielded callback is called."""
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.fields[title]}[/] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("starting", total=total, title=title)
        seen = 0

        def advance(label: str) -> None:
            nonlocal seen
            if seen:
                bar.advance(task)
            seen += 1
            bar.update(task, description=label)

        yield advance
        bar.update(task, completed=total)


def fail(exc: Exception) -> typer.Exit:
    """Print one clear line for a library error and return the exit to raise."""
    console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
    return typer.Exit(code=1)


def parse_point(text: str, what: str) -> tuple[float, float]:
    """``"lon,lat"`` to a pair of floats (validated later by the router)."""
    parts = text.split(",")
    if len(parts) != 2:
        raise typer.BadParameter(f"{what} must be 'lon,lat', got {text!r}")
    try:
        return float(parts[0]), float(parts[1])
    except ValueError:
        raise typer.BadParameter(f"{what} must be two numbers 'lon,lat', got {text!r}") from None


FromOpt = Annotated[str, typer.Option("--from", help="Origin as lon,lat.")]
ToOpt = Annotated[str, typer.Option("--to", help="Destination as lon,lat.")]


PlacesOpt = Annotated[
    Path | None, typer.Option("--places", help="Places GeoJSON (default: the registry).")
]
ZonesOpt = Annotated[
    Path | None, typer.Option("--zones", help="Risk zones GeoJSON (default: the registry).")
]
AtOpt = Annotated[
    str | None, typer.Option("--at", help="Local departure time, ISO (night mode, opening hours).")
]


def _where(p: dict[str, Any]) -> str:
    where = f"feature {p['index']}" if p.get("index") is not None else ""
    ident = f" (id {p['id']})" if p.get("id") else ""
    field = p.get("field") or ""
    return ": ".join(part for part in (f"{where}{ident}".strip(), field) if part)


def print_problems(exc: RegistryValidationError) -> None:
    """A validation error: one line for one problem, else a line per problem.

    Each problem names the feature (index and id), the field and why.
    """
    problems = exc.problems
    if len(problems) == 1:
        p = problems[0]
        where = _where(p)
        if p.get("field") == "file":
            console.print(f"[red]error:[/] {escape(p['message'])}", highlight=False)
        else:
            prefix = f"{where}: " if where else ""
            console.print(f"[red]error:[/] {escape(prefix + p['message'])}", highlight=False)
        return
    console.print(f"[red]error:[/] {escape(str(exc))}; nothing was written", highlight=False)
    for p in problems:
        console.print(escape(f"  {_where(p) or 'input'}: {p['message']}"), highlight=False)


def load_settings() -> Settings:
    """The settings from the environment (a bad value reaches :func:`geomap.cli.main`)."""
    return Settings()


def when_opt(text: str | None) -> datetime | None:
    """The ``--at`` option as a datetime (None when not given)."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"--at must be an ISO date-time such as 2026-11-23T21:30, not {text!r}"
        ) from None
