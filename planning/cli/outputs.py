"""Where the ``headcount`` commands write, checked before any work starts.

Each command declares its output arguments (``set_defaults(outputs={"out": "file"})``,
``"folder"`` for a folder, ``"csv or folder"`` for a file when the name ends in .csv and a
folder otherwise); a command whose output names depend on each other resolves them first
(``set_defaults(prepare=fn)``, run before the check). :func:`check_outputs` refuses, with exit status 2 and nothing
written, an output that is an existing folder where a file is meant (or a file where a
folder is meant), a special file, a place that cannot be created or written, or one that
is the input folder or a file directly in it (outputs there would be read back as inputs
next time: a requirements.csv beside volumes.csv silently replaces them; a subfolder such
as DATA/plan_out is fine, the reader does not look into subfolders). :func:`staged_folder` writes a
folder's files beside it first and moves them in only when all were written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from planning.errors import InputError, Issue
from planning.fileio import special_kind

FILE, FOLDER, CSV_OR_FOLDER = "file", "folder", "csv or folder"


def check_outputs(args: argparse.Namespace) -> None:
    """Raise InputError naming each output argument that cannot or must not be written."""
    wanted: dict[str, str] = getattr(args, "outputs", None) or {}
    inputs = _input_paths(args)
    issues: list[Issue] = []
    seen: dict[Path, str] = {}
    for attr, kind in wanted.items():
        value = getattr(args, attr, None)
        if not value:
            continue
        flag = attr if args.command == "template" else "--" + attr.replace("_", "-")
        path = Path(value).expanduser().resolve()
        if kind == CSV_OR_FOLDER:
            kind = FILE if path.suffix.lower() == ".csv" else FOLDER
        problem = _problem(path, kind, inputs)
        if problem is None and path in seen:
            problem = f"is also the output of {seen[path]}: give each output its own name"
        seen[path] = flag
        if problem:
            issues.append(Issue(flag, None, None, str(value), problem))
    if issues:
        raise InputError(issues)


def _input_paths(args: argparse.Namespace) -> list[Path]:
    paths = []
    for attr in ("data", "plan", "requirements"):
        value = getattr(args, attr, None)
        if isinstance(value, str) and value and Path(value).exists():
            paths.append(Path(value).expanduser().resolve())
    return paths


def _problem(path: Path, kind: str, inputs: list[Path]) -> str | None:
    for given in inputs:  # the reader reads the input folder's own files, not subfolders
        if given.is_dir() and given in (path, path.parent):
            return (f"is inside the input folder {given}: outputs there would be read back as "
                    "inputs by the next run; write them to another folder")
        if path == given:
            return "is an input of this command: write the output elsewhere"
    if path.exists() or path.is_symlink():
        what = special_kind(path.stat().st_mode) if path.exists() else "a broken link"
        if kind == FILE and what is not None:
            return f"is {what}: give the name of a file to write"
        if kind == FOLDER and what != "a folder":
            return f"is {what or 'a file'}: give a folder (it is created if missing)"
    parent = path if kind == FOLDER and path.is_dir() else path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot be created: {parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot be written: no permission to write in {parent}"
    return None


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write every output into; when the block ends
    without an error its files are moved into ``out`` (created if missing), else it is
    removed: a failed or refused run leaves nothing behind."""
    out = Path(out)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
    try:
        yield stage
        if not out.exists():
            stage.rename(out)
            os.chmod(out, 0o777 & ~_umask())
            return
        for item in stage.iterdir():
            os.replace(item, out / item.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
