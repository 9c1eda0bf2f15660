"""Files that appear whole or not at all, with the modes the user's umask asks for.

Everything geomap writes (networks, GeoJSON, maps, tables) goes through :func:`atomic_path`:
the content is written to a temporary file beside the destination and renamed into place, so
a crash or an error never leaves a half-written file. ``tempfile.mkstemp`` creates files
readable by their owner only (0600); the finished file gets the mode a plain ``open()`` would
have given it (0666 minus the umask, usually 0644), so a service user can read it.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from routing.errors import OutputPathError

_umask_lock = threading.Lock()


def default_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file under the current umask."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def check_output(path: str | os.PathLike[str]) -> Path:
    """The destination as a Path, refused early if it names a folder.

    Raises
    ------
    OutputPathError
        If ``path`` is an existing folder or ends with a path separator.
    """
    text = os.fspath(path)
    dest = Path(text)
    if dest.is_dir() or text.endswith(("/", os.sep)):
        raise OutputPathError(f"cannot write {text}: it is a folder; give a file name")
    return dest


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed onto it when the block succeeds.

    The temporary file keeps the destination's suffix (some writers choose the format by it)
    and is removed if the block raises.

    Raises
    ------
    OutputPathError
        If the destination is a folder, or its folder cannot be created or written.
    """
    dest = check_output(path)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(
            prefix=f".{dest.name}.", suffix=f".tmp{dest.suffix}", dir=dest.parent
        )
    except OSError as exc:
        raise OutputPathError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # writers (GDAL, numpy) create it themselves
    try:
        yield tmp
        if not tmp.exists():
            tmp.touch()
        os.chmod(tmp, default_mode())
        os.replace(tmp, dest)
    except IsADirectoryError as exc:
        raise OutputPathError(f"cannot write {dest}: it is a folder") from exc
    except PermissionError as exc:
        raise OutputPathError(f"cannot write {dest}: permission denied") from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, flushed to disk."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"))
