"""Files in and out: outputs written atomically (a reader never sees a half-written file),
inputs opened only when they are regular files of a bounded size.

Used by the CLI, the input readers and the reports; nothing here knows the CLI.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

import pandas as pd

#: A spreadsheet takes a cell starting with one of these for a formula (OWASP CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that starts like a formula prefixed with ``'`` (the
    OWASP rule for CSV exports), so a name like ``=HYPERLINK(...)`` opens as text in Excel.
    Numbers are left alone; the input readers remove the ``'`` again."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v)
    return out


def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a CSV export (dates as YYYY-MM-DD, formula-like text escaped by
    :func:`escape_formulas`) so a reader never sees a half-written file."""
    path = Path(path)
    safe = escape_formulas(frame)
    return write_atomic(path, lambda tmp: safe.to_csv(tmp, index=False, date_format="%Y-%m-%d"))


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Run ``write(tmp)`` on a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class NotRegularFileError(OSError):
    """An input path that is a folder, a named pipe, a device or a socket: inputs are read
    from regular files only (a FIFO would block for ever, a device never ends)."""

    def __init__(self, path: str | Path, kind: str) -> None:
        super().__init__(f"{Path(path).name} is {kind}, not a regular file")
        self.kind = kind


class FileTooLargeError(OSError):
    """A file over the size its reader allows (refused before it is read past the limit)."""

    def __init__(self, path: str | Path, size: int, limit: int) -> None:
        super().__init__(f"{Path(path).name}: {size / 2**20:.0f} MiB, at most "
                         f"{limit // 2**20} MiB")
        self.size, self.limit = size, limit


def special_kind(mode: int) -> str | None:
    """Words for a file type that is not a regular file (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    for test, words in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "a special file"


def open_regular(path: str | Path, limit: int | None = None) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file of at most ``limit`` bytes.

    Opened without blocking (a FIFO with no writer would hang an ordinary open) and checked
    on the open descriptor, so the file cannot be swapped between the check and the read.
    Raises NotRegularFileError, FileTooLargeError or another OSError (missing, permission).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        kind = special_kind(info.st_mode)
        if kind is not None:
            raise NotRegularFileError(path, kind)
        if limit is not None and info.st_size > limit:
            raise FileTooLargeError(path, info.st_size, limit)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (see :func:`open_regular`);
    never more than ``limit + 1`` bytes are read, whatever the file claims its size is."""
    with open_regular(path, limit) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(path, len(data), limit)
    return data


#: Written by the CLI into each folder it writes derived tables (forecast.csv,
#: requirements.csv) to; the input readers do not read back a table listed there unchanged.
OUTPUT_MANIFEST = ".headcount-outputs.json"


def file_digest(path: str | Path) -> str | None:
    """SHA-256 of a regular file's bytes (None when it cannot be read)."""
    digest = hashlib.sha256()
    try:
        with open_regular(path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def record_outputs(folder: str | Path, command: str, files: Iterable[str | Path]) -> None:
    """Note in ``folder``'s output manifest that ``command`` wrote ``files`` (with their
    digests), so a later run reading that folder as inputs does not take them for inputs."""
    folder = Path(folder)
    manifest = folder / OUTPUT_MANIFEST
    entries = {name: value for name, value in _manifest(folder).items()}
    for f in files:
        digest = file_digest(f)
        if digest is not None:
            entries[Path(f).name] = {"command": command, "sha256": digest}
    text = json.dumps({"written_by": "headcount-planner", "files": entries}, indent=1)
    write_atomic(manifest, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def derived_outputs(folder: str | Path) -> dict[str, tuple[str, str]]:
    """Files of ``folder`` its output manifest lists: name -> (command, sha256)."""
    return {name: (str(v.get("command", "")), str(v.get("sha256", "")))
            for name, v in _manifest(Path(folder)).items() if isinstance(v, dict)}


def _manifest(folder: Path) -> dict[str, dict]:
    try:
        doc = json.loads(read_regular(folder / OUTPUT_MANIFEST, 1 << 20))
    except (OSError, ValueError):
        return {}
    files = doc.get("files") if isinstance(doc, dict) else None
    return files if isinstance(files, dict) else {}
