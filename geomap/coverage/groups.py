"""Population groups, sex and age: count columns, who a place serves, and people per class.

A demand layer may carry several *breakdowns* of its total, each a set of count columns that
add up to the ``population`` column unit by unit: R4V's population groups (in destination, in
transit, pendular, returnees, host community), sex and age bands (``female_0_17``,
``male_60_plus`` …), or any the user names.

A place serves everyone, or only some populations (the registry's ``populations``: ``women``,
``children_adolescents``, ``older_people`` …). A column carries the population codes its people
belong to (:func:`column_tags`: ``female_*`` → ``women``, bands ending at 17 or less →
``children_adolescents``, bands from 60 → ``older_people``). A place counts for a person when it
serves everyone or one of the codes of the person's columns.

Breakdowns are crossed under independence: in a unit, the share of women in transit is the
share of women times the share of people in transit. :func:`split_classes` gives, for every
column, the people of each unit in each *class* (set of codes); coverage is computed once per
class, and every column's covered people are summed over classes. So the covered people of the
columns of any breakdown add up to the covered total, and a place serving only women changes
only women's coverage.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.safe import Site

FloatArray = npt.NDArray[np.float64]

#: The total column.
TOTAL = "population"

#: R4V population groups, in the order of the platform's 5W.
POPULATION_GROUPS: tuple[str, ...] = (
    "in_destination",
    "in_transit",
    "pendular",
    "returnees",
    "host_community",
)

#: ``{sex}_{lower}_{upper}`` or ``{sex}_{lower}_plus``.
SEX_AGE = re.compile(r"^(female|male|women|men)_(\d+)_(\d+|plus)$")

#: Age bands reported by the illustrative layers (the R4V 5W's children / adults / elderly).
AGE_BANDS: tuple[tuple[int, int | None], ...] = ((0, 17), (18, 59), (60, None))


def sex_age_columns() -> tuple[str, ...]:
    """The sex and age columns of the illustrative layers, female first."""
    return tuple(
        f"{sex}_{lo}_{'plus' if hi is None else hi}"
        for sex in ("female", "male")
        for lo, hi in AGE_BANDS
    )


def column_tags(column: str) -> tuple[str, ...]:
    """Registry population codes of the people of a column (empty when none is implied)."""
    m = SEX_AGE.match(column)
    if not m:
        return ()
    sex, lower, upper = m.group(1), int(m.group(2)), m.group(3)
    tags = []
    if sex in ("female", "women"):
        tags.append("women")
    if upper != "plus" and int(upper) <= 17:
        tags.append("children_adolescents")
    if lower >= 60:
        tags.append("older_people")
    return tuple(tags)


def detect_breakdowns(columns: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Breakdowns recognised by name among ``columns``: ``group`` and ``sex_age``."""
    names = list(columns)
    found: dict[str, tuple[str, ...]] = {}
    groups = tuple(c for c in POPULATION_GROUPS if c in names)
    if groups:
        found["group"] = groups
    sex_age = tuple(c for c in names if SEX_AGE.match(c))
    if sex_age:
        found["sex_age"] = sex_age
    return found


def serves(site: Site, tags: Iterable[str]) -> bool:
    """Whether ``site`` serves a person of these population codes."""
    pops = set(site.populations)
    return "everyone" in pops or bool(pops & set(tags))


@dataclass
class Classes:
    """People of every column split over classes of population codes.

    Attributes
    ----------
    keys : list of frozenset
        The classes (sets of population codes); the first is the empty set.
    people : dict
        Column name (``population`` and every breakdown column) to an ``(m, len(keys))``
        array: people of the column in each unit and class.
    main : dict
        Column name to the index of its own class (the codes of the column itself), whose
        walking time is the column's reported time.
    """

    keys: list[frozenset[str]]
    people: dict[str, FloatArray]
    main: dict[str, int]


def split_classes(
    population: FloatArray,
    columns: Mapping[str, FloatArray],
    breakdowns: Mapping[str, Sequence[str]],
    tags: Mapping[str, Sequence[str]],
) -> Classes:
    """People per unit, column and class, with the breakdowns crossed under independence."""
    pop = np.asarray(population, dtype=np.float64)
    m = len(pop)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = {
            c: np.where(pop > 0, np.asarray(v, dtype=np.float64) / pop, 0.0)
            for c, v in columns.items()
        }
    dims = [list(cols) for cols in breakdowns.values() if cols]
    keys: list[frozenset[str]] = [frozenset()]
    index: dict[frozenset[str], int] = {frozenset(): 0}
    combos: list[tuple[tuple[str, ...], int]] = []
    for combo in itertools.product(*dims):
        key = frozenset(t for c in combo for t in tags.get(c, ()))
        if key not in index:
            index[key] = len(keys)
            keys.append(key)
        combos.append((combo, index[key]))
    names = [TOTAL, *dict.fromkeys(c for cols in dims for c in cols)]
    people = {c: np.zeros((m, len(keys))) for c in names}
    for combo, k in combos:
        share = np.ones(m)
        for c in combo:
            share = share * shares[c]
        part = pop * share
        people[TOTAL][:, k] += part
        for c in combo:
            people[c][:, k] += part
    main = {}
    for c in names:
        own = frozenset(tags.get(c, ()))
        if own not in index:
            index[own] = len(keys)
            keys.append(own)
            people = {k: np.hstack([v, np.zeros((m, 1))]) for k, v in people.items()}
        main[c] = index[own]
    return Classes(keys, people, main)
