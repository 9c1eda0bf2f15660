"""Where the shipped data is: the installed ``geomap_data`` package or the checkout's ``data/``.

A wheel carries ``data/`` as the package ``geomap_data`` (see ``setup.py``); an editable install
or a plain checkout reads the same files in place. Nothing here reads the environment: the
``GEOMAP_DATA_DIR`` setting overrides this default in :class:`geomap.settings.Settings`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_CHECKOUT_DATA = Path(__file__).resolve().parent.parent / "data"


@lru_cache(maxsize=1)
def shipped_data_dir() -> Path:
    """The folder holding the shipped data files.

    Returns
    -------
    Path
        ``geomap_data``'s folder when that package is installed, else the checkout's ``data/``.
    """
    from importlib.resources import files

    try:
        root = files("geomap_data")
    except ModuleNotFoundError:
        return _CHECKOUT_DATA
    folder = Path(str(root))  # wheels install unzipped: the package is a real folder
    return folder if (folder / "README.md").is_file() else _CHECKOUT_DATA
