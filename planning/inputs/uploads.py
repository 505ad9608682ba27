"""Uploaded files -> validated :class:`Inputs`, refusing what must not be opened.

The app's upload and any other front end call :func:`inputs_from_upload` with the files a
user sent: one ``.xlsx`` workbook on its own, or ``<table>.csv`` files plus ``scenario.toml``.
Sizes are checked from each file's declared size *before* its bytes are read (Streamlit's
``UploadedFile.size``), so a 200 MB upload is refused without being held in memory twice.
Every refusal is an :class:`InputError` whose issues name the file and what was expected;
the workbook checks (macros, zip bombs, cell count) are those of :mod:`planning.inputs.readers`.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from planning.errors import InputError, Issue
from planning.inputs.loading import load_inputs
from planning.inputs.readers import MAX_FILE_BYTES, SCENARIO_FILE
from planning.inputs.schema import TABLES
from planning.inputs.tables import Inputs
from planning.inputs.writers import inputs_from_texts

#: At most this many files in one upload (every table, scenario.toml and some slack).
MAX_UPLOAD_FILES = 2 * len(TABLES) + 2
#: At most this many bytes in one upload, all files together.
MAX_UPLOAD_TOTAL_BYTES = MAX_FILE_BYTES + MAX_FILE_BYTES // 2
WORKBOOK = (".xlsx",)
MACRO_BOOKS = (".xlsm", ".xltm", ".xlsb", ".xls")


class UploadedFile(Protocol):
    """What a front end hands over: a name, a declared size in bytes, and the bytes."""

    name: str
    size: int

    def getvalue(self) -> bytes: ...


Upload = UploadedFile | tuple[str, bytes]


def _name(f: Upload) -> str:
    return Path(f[0] if isinstance(f, tuple) else f.name).name


def _size(f: Upload) -> int:
    if isinstance(f, tuple):
        return len(f[1])
    size = getattr(f, "size", None)
    return int(size) if size is not None else len(f.getvalue())


def _bytes(f: Upload) -> bytes:
    return f[1] if isinstance(f, tuple) else f.getvalue()


def upload_issues(files: Sequence[Upload]) -> list[Issue]:
    """Problems with the upload as a whole, found without reading any file's bytes."""
    if not files:
        return [Issue("upload", None, None, None,
                      "no files: upload one .xlsx workbook, or CSV files and scenario.toml")]
    if len(files) > MAX_UPLOAD_FILES:
        return [Issue("upload", None, None, f"{len(files)} files",
                      f"at most {MAX_UPLOAD_FILES} files: one per table and scenario.toml")]
    issues: list[Issue] = []
    names = [_name(f) for f in files]
    sizes = [_size(f) for f in files]
    for name, size in zip(names, sizes, strict=True):
        if size > MAX_FILE_BYTES:
            issues.append(Issue(name, None, None, f"{size / 2**20:.0f} MiB",
                                f"file is too large: at most {MAX_FILE_BYTES // 2**20} MiB"))
    if not issues and sum(sizes) > MAX_UPLOAD_TOTAL_BYTES:
        issues.append(Issue("upload", None, None, f"{sum(sizes) / 2**20:.0f} MiB",
                            f"the files together are too large: at most "
                            f"{MAX_UPLOAD_TOTAL_BYTES // 2**20} MiB"))
    expected = ", ".join(f"{t}.csv" for t in TABLES)
    for name in names:
        low = name.lower()
        if low.endswith(MACRO_BOOKS):
            issues.append(Issue(name, None, None, None,
                                "macro-enabled or old-format workbooks are refused: save as .xlsx"))
        elif low.endswith(".csv") and Path(low).stem not in TABLES:
            issues.append(Issue(name, None, None, None,
                                f"is not a table of the inputs: CSV files are named {expected}"))
        elif not low.endswith((*WORKBOOK, ".csv")) and low != SCENARIO_FILE:
            issues.append(Issue(name, None, None, None,
                                "expected one .xlsx workbook, or CSV files and scenario.toml"))
    lowered = [n.lower() for n in names]
    for dup in sorted({n for n in lowered if lowered.count(n) > 1}):
        issues.append(Issue(dup, None, None, None, "uploaded twice: each file may appear once"))
    books = [n for n in names if n.lower().endswith(WORKBOOK)]
    if books and len(files) > 1:
        issues.append(Issue("upload", None, None, ", ".join(names),
                            "one workbook on its own, or CSV files and scenario.toml"))
    return issues


def inputs_from_upload(files: Sequence[Upload], *, stage: str | None = None) -> Inputs:
    """Validated inputs from uploaded files; raises :class:`InputError` naming every problem.

    files: ``(name, bytes)`` pairs or objects with ``name``, ``size`` and ``getvalue()``.
    stage: as in :func:`planning.inputs.loading.load_inputs`.
    """
    issues = upload_issues(files)
    if issues:
        raise InputError(issues)
    if _name(files[0]).lower().endswith(WORKBOOK):

        name = _name(files[0])
        with tempfile.TemporaryDirectory(prefix="headcount-upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(_bytes(files[0]))
            return _relabel(load_inputs(path, stage=stage), f"upload: {name}")

    texts = {_name(f): _bytes(f) for f in files}
    return inputs_from_texts(texts, source="upload: " + ", ".join(sorted(texts)), stage=stage)


def _relabel(inputs: Inputs, source: str) -> Inputs:
    return dataclasses.replace(inputs, source=source)
