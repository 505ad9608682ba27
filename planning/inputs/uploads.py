"""Uploaded files -> validated :class:`Inputs`, refusing what must not be opened.

The app's upload and any other front end call :func:`inputs_from_upload` with the files a
user sent: one ``.xlsx`` workbook on its own; one ``.zip`` of ``<table>.csv`` files and
``scenario.toml`` (what the app's Export page and a failed save offer; ``plan.json`` and the
plan's tables in its ``plan/`` folder are ignored, the plan is solved again); or ``<table>.csv`` files, with or without
``scenario.toml``.

What an upload replaces: a workbook, or files that include ``scenario.toml`` (also inside a
zip), are a whole data set and replace everything. Table files without ``scenario.toml``
replace only those tables of the current inputs and keep the rest (uploading only
``vendors.csv`` changes the vendors); every table is validated again together.
Sizes are checked from each file's declared size *before* its bytes are read (Streamlit's
``UploadedFile.size``), so a 200 MB upload is refused without being held in memory twice.
Every refusal is an :class:`InputError` whose issues name the file and what was expected;
the workbook checks (macros, zip bombs, cell count) are those of :mod:`planning.inputs.readers`.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from planning.errors import InputError, Issue
from planning.inputs.loading import load_inputs
from planning.inputs.readers import MAX_FILE_BYTES, SCENARIO_FILE
from planning.inputs.schema import TABLES
from planning.inputs.tables import Inputs
from planning.inputs.writers import inputs_from_texts, inputs_to_texts

#: At most this many files in one upload (every table, scenario.toml and some slack).
MAX_UPLOAD_FILES = 2 * len(TABLES) + 2
#: A CSV table in an upload (or in an uploaded zip) may have this many bytes: a volumes
#: history of 200 markets x 20 queues x 2 years is about 120 MiB (parsed in chunks, so
#: memory stays bounded); a workbook keeps MAX_FILE_BYTES (openpyxl holds far more per cell).
MAX_UPLOAD_CSV_BYTES = 160 * 2**20
#: At most this many bytes in one upload, all files together (under Streamlit's default
#: 200 MB upload limit, server.maxUploadSize).
MAX_UPLOAD_TOTAL_BYTES = 192 * 2**20
WORKBOOK = (".xlsx",)
ARCHIVE = (".zip",)
#: files of an exported zip that are not inputs and are skipped: plan.json, and everything
#: in a folder named ``plan`` (the Export page puts the plan's own tables there)
NOT_INPUTS = ("plan.json",)
PLAN_FOLDER = "plan"
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
        limit = MAX_UPLOAD_CSV_BYTES if name.lower().endswith(".csv") else MAX_FILE_BYTES
        if size > limit:
            issues.append(Issue(name, None, None, f"{size / 2**20:.0f} MiB",
                                f"file is too large: at most {limit // 2**20} MiB"))
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
        elif not low.endswith((*WORKBOOK, *ARCHIVE, ".csv")) and low != SCENARIO_FILE:
            issues.append(Issue(name, None, None, None,
                                "expected one .xlsx workbook, one .zip, or CSV files and "
                                "scenario.toml"))
    lowered = [n.lower() for n in names]
    for dup in sorted({n for n in lowered if lowered.count(n) > 1}):
        issues.append(Issue(dup, None, None, None, "uploaded twice: each file may appear once"))
    books = [n for n in names if n.lower().endswith((*WORKBOOK, *ARCHIVE))]
    if books and len(files) > 1:
        issues.append(Issue("upload", None, None, ", ".join(names),
                            "one workbook or one .zip on its own, or CSV files and "
                            "scenario.toml"))
    return issues


def zip_members(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The input files inside an uploaded .zip as ``(file name, bytes)`` (folders inside the
    zip are ignored, ``plan.json`` is skipped). Raises InputError when it is not a zip, would
    expand too far, holds too many files, or holds a file that is not an input."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError([Issue(name, None, None, None,
                                "is not a readable .zip file")]) from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        expanded = sum(i.file_size for i in infos)
        if expanded > MAX_UPLOAD_TOTAL_BYTES:
            raise InputError([Issue(name, None, None, f"{expanded / 2**20:.0f} MiB",
                                    f"would expand to more than "
                                    f"{MAX_UPLOAD_TOTAL_BYTES // 2**20} MiB: refused")])
        members = [(Path(i.filename).name, i) for i in infos
                   if Path(i.filename).name.lower() not in NOT_INPUTS
                   and PLAN_FOLDER not in Path(i.filename).parts[:-1]]
        if not members:
            raise InputError([Issue(name, None, None, None,
                                    "holds no input files: expected <table>.csv files and "
                                    "scenario.toml")])
        inner = [_Member(n, i.file_size) for n, i in members]
        problems = upload_issues(inner)
        if problems:
            raise InputError([dataclasses.replace(p, table=f"{name}: {p.table}")
                              for p in problems])
        return [(n, zf.read(i)) for n, i in members]


@dataclasses.dataclass(frozen=True)
class _Member:
    """A file inside a zip, as far as :func:`upload_issues` looks at it (name and size)."""

    name: str
    size: int

    def getvalue(self) -> bytes:  # never called: sizes are declared
        raise NotImplementedError


def inputs_from_upload(files: Sequence[Upload], *, current: Inputs | None = None,
                       stage: str | None = None) -> Inputs:
    """Validated inputs from uploaded files; raises :class:`InputError` naming every problem.

    files: ``(name, bytes)`` pairs or objects with ``name``, ``size`` and ``getvalue()``.
    current: the inputs on screen; table files uploaded without ``scenario.toml`` replace
        only their tables of these (without ``current`` they must be a whole data set).
    stage: as in :func:`planning.inputs.loading.load_inputs`.
    """
    issues = upload_issues(files)
    if issues:
        raise InputError(issues)
    if _name(files[0]).lower().endswith(ARCHIVE):
        name = _name(files[0])
        members = zip_members(name, _bytes(files[0]))
        return _from_texts(dict(members), current, f"upload: {name}", stage)
    if _name(files[0]).lower().endswith(WORKBOOK):

        name = _name(files[0])
        with tempfile.TemporaryDirectory(prefix="headcount-upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(_bytes(files[0]))
            return _relabel(load_inputs(path, stage=stage), f"upload: {name}")

    texts = {_name(f): _bytes(f) for f in files}
    return _from_texts(texts, current, "upload: " + ", ".join(sorted(texts)), stage)


def replaces_everything(files: Sequence[Upload]) -> bool:
    """True when the upload is a whole data set (a workbook, or ``scenario.toml`` among the
    files or inside the zip); False when it replaces some tables and keeps the rest."""
    names = [_name(f).lower() for f in files]
    if any(n.endswith(WORKBOOK) or n == SCENARIO_FILE for n in names):
        return True
    for f in files:
        if _name(f).lower().endswith(ARCHIVE):
            try:
                with zipfile.ZipFile(io.BytesIO(_bytes(f))) as zf:
                    return any(Path(n).name.lower() == SCENARIO_FILE for n in zf.namelist())
            except zipfile.BadZipFile:
                return True
    return False


def _from_texts(texts: dict[str, bytes], current: Inputs | None, source: str,
                stage: str | None) -> Inputs:
    whole = any(n.lower() == SCENARIO_FILE for n in texts)
    if current is not None and not whole:
        kept: dict[str, str | bytes] = dict(inputs_to_texts(current))
        kept.update({n.lower(): t for n, t in texts.items()})
        texts = kept  # type: ignore[assignment]
    return inputs_from_texts(texts, source=source, stage=stage)


def _relabel(inputs: Inputs, source: str) -> Inputs:
    return dataclasses.replace(inputs, source=source)
