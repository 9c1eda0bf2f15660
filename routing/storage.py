"""Arrays in one file that loads by memory-mapping: an uncompressed, aligned ``.npz``.

The file is a plain zip of ``.npy`` members, stored (not compressed), so ``numpy.load`` still
reads it. Each member's data starts on a 64-byte boundary of the file, which lets
:func:`read_arrays` hand out read-only ``numpy.memmap`` views instead of copies: loading costs
the time to read the headers, the pages are read on first touch, and every process that maps the
same file shares them in the page cache.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

ALIGN = 64
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # zip local file header, 30 bytes
_PAD_ID = 0xD935  # extra-field id used for alignment padding (as zipalign does)


def _npy_header(array: np.ndarray[Any, Any]) -> bytes:
    """The ``.npy`` header of ``array`` (version 1.0 or 2.0), padded to :data:`ALIGN`."""
    fmt = np.lib.format
    d = fmt.header_data_from_array_1_0(array)
    text = "{" + "".join(f"'{k}': {d[k]!r}, " for k in sorted(d)) + "}"
    for version, size_fmt in (((1, 0), "<H"), ((2, 0), "<I")):
        pre = len(fmt.MAGIC_PREFIX) + 2 + struct.calcsize(size_fmt)
        pad = -(pre + len(text) + 1) % ALIGN
        body = (text + " " * pad + "\n").encode("latin1")
        if version == (1, 0) and len(body) >= 65536:
            continue
        return fmt.magic(*version) + struct.pack(size_fmt, len(body)) + body
    raise ValueError("array header too large")  # pragma: no cover


def write_arrays(
    path: str | os.PathLike[str], header: Mapping[str, Any], arrays: Mapping[str, Any]
) -> Path:
    """Write ``header`` (JSON) and ``arrays`` to ``path`` atomically (temp file + rename).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    header : mapping
        JSON-serialisable metadata, stored as the member ``header``.
    arrays : mapping of str to array
        The arrays; each becomes an aligned, uncompressed ``.npy`` member.

    Returns
    -------
    Path
    """
    from routing.files import atomic_path

    dest = Path(path)
    members = dict(arrays)
    members["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with atomic_path(dest) as tmp, open(tmp, "wb") as fh:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            for name, value in members.items():
                array = np.ascontiguousarray(value)
                head = _npy_header(array)
                size = len(head) + array.nbytes
                arcname = f"{name}.npy"
                info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED
                info.file_size = size
                big = size > 0x7FFF0000
                start = fh.tell() + _LOCAL_HEADER.size + len(arcname) + (20 if big else 0)
                pad = -(start + 4) % ALIGN
                info.extra = struct.pack("<HH", _PAD_ID, pad) + b"\0" * pad
                with zf.open(info, "w", force_zip64=big) as member:
                    member.write(head)
                    member.write(array.reshape(-1).view(np.uint8).data)
        fh.flush()
        os.fsync(fh.fileno())
    return dest


def read_arrays(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Open a file written by :func:`write_arrays` (or any ``.npz``) without copying.

    Stored members are returned as read-only views of one shared memory map; compressed
    members (files from other writers) are read into memory.

    Returns
    -------
    header : dict
        The decoded ``header`` member (empty if absent).
    arrays : dict of str to ndarray
        Every other member.

    Raises
    ------
    FileNotFoundError, zipfile.BadZipFile, ValueError
        If the file is missing or not a zip of ``.npy`` members.
    """
    p = Path(path)
    arrays: dict[str, Any] = {}
    with open(p, "rb") as fh, zipfile.ZipFile(fh) as zf:
        size = os.fstat(fh.fileno()).st_size
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        fmt = np.lib.format
        for info in zf.infolist():
            name = info.filename.removesuffix(".npy")
            if info.compress_type != zipfile.ZIP_STORED or mm is None:
                with zf.open(info) as member:
                    arrays[name] = fmt.read_array(member, allow_pickle=False)
                continue
            fh.seek(info.header_offset)
            local = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
            start = info.header_offset + _LOCAL_HEADER.size + local[-2] + local[-1]
            fh.seek(start)
            version = fmt.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(fh)
            else:
                shape, fortran, dtype = fmt.read_array_header_2_0(fh)
            if dtype.hasobject:
                raise ValueError(f"{name}: object arrays are not allowed")
            offset = fh.tell()
            count = int(np.prod(shape)) if shape else 1
            flat = np.frombuffer(mm, dtype=dtype, count=count, offset=offset)
            arrays[name] = flat.reshape(shape, order="F" if fortran else "C")
    header_bytes = arrays.pop("header", None)
    header = json.loads(bytes(header_bytes).decode()) if header_bytes is not None else {}
    return header, arrays
