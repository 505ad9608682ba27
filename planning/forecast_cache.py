"""One forecast cache on disk, shared by the CLI, the app and scenario saves.

An entry is the forecast stage's :class:`forecasts.ForecastResult`, keyed on

- the content of what the forecast reads: the whole ``volumes`` and ``events`` tables
  (every cell, column name and dtype) and the plan's start and length;
- the forecast settings: quantiles and backtest windows (not the engine or the number of
  worker processes: they do not change the result);
- the code version: the source of ``forecasts/`` and of the forecast stage, and the
  versions of Python, numpy, pandas and statsforecast.

So changing one volume cell, a quantile or the code is a miss, and changing shrinkage or a
site is a hit. Entries live in ``$HEADCOUNT_CACHE`` (default: the platform's user cache
folder, e.g. ``~/.cache/headcount-planner``). Writes are atomic (a temporary file in the
same folder, then a rename), so readers see a whole entry or none, also with several
processes writing the same key. Each entry carries a SHA-256 of its payload, checked before
it is unpickled: a damaged entry is deleted and rebuilt, never trusted. The folder is kept
under ``$HEADCOUNT_CACHE_MAX_MB`` (default 512) by deleting the least recently used entries.

Front ends turn the cache on for a block with :func:`use_cache` (the CLI unless
``--no-cache``; the app passes one to the forecast stage); library calls outside such a
block do not touch the disk.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import pickle
import platform
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from importlib import metadata
from pathlib import Path

import pandas as pd

from forecasts import ForecastResult
from planning.inputs.tables import Inputs

DIR_ENV = "HEADCOUNT_CACHE"
MAX_ENV = "HEADCOUNT_CACHE_MAX_MB"
DEFAULT_MAX_MB = 512
APP_NAME = "headcount-planner"
MAGIC = b"HCFORECAST1\n"
SUFFIX = ".forecast"
STALE_TEMP_S = 3600  # a temporary file older than this was left by a crashed writer

_ROOT = Path(__file__).resolve().parent.parent
#: source whose code decides the forecast: every .py under folders, or single files
FORECAST_CODE = ("forecasts", "planning/forecast_stage.py", "planning/periods.py",
                 "planning/forecast_cache.py")
#: packages whose version can change a forecast
FORECAST_PACKAGES = ("numpy", "pandas", "statsforecast")


# -- content keys ---------------------------------------------------------------------------
def _hasher() -> hashlib._Hash:
    return hashlib.blake2b(digest_size=16)


def frame_digest(frame: pd.DataFrame | None) -> str:
    """Hex digest of a whole table: column names, dtypes and every cell (index included)."""
    if frame is None:
        return "none"
    h = _hasher()
    h.update(repr([str(c) for c in frame.columns]).encode())
    h.update(repr([str(t) for t in frame.dtypes]).encode())
    h.update(str(len(frame)).encode())
    if len(frame.columns):
        h.update(pd.util.hash_pandas_object(frame, index=True).values.tobytes())
    return h.hexdigest()


def combine(*parts: object) -> str:
    """One digest of several parts (strings, numbers, tuples; hashed through ``repr``)."""
    h = _hasher()
    for part in parts:
        h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


def source_digest(paths: Iterable[str], root: Path = _ROOT) -> str:
    """Digest of source files (a folder stands for every .py under it), names included."""
    h = _hasher()
    for rel in paths:
        p = root / rel
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            if f.exists():
                h.update(str(f.relative_to(root)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


_CODE_VERSION: str | None = None


def code_version() -> str:
    """Digest of the forecasting code (FORECAST_CODE) and of the Python and package
    versions (FORECAST_PACKAGES) in use; computed once per process."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        packages = tuple((p, _package_version(p)) for p in FORECAST_PACKAGES)
        _CODE_VERSION = combine(source_digest(FORECAST_CODE), platform.python_version(),
                                packages)
    return _CODE_VERSION


def forecast_key(inputs: Inputs, quantiles: Sequence[float], windows: int,
                 version: str | None = None) -> str:
    """The cache key of the forecast stage on ``inputs``: volumes, events, plan start and
    weeks, the quantiles and backtest windows, and the code version (default
    :func:`code_version`)."""
    plan = inputs.scenario.plan
    return combine("forecast", frame_digest(inputs.volumes), frame_digest(inputs.events),
                   str(plan.start), int(plan.weeks), tuple(sorted({float(q) for q in quantiles})),
                   int(windows), version or code_version())


# -- the store ------------------------------------------------------------------------------
def default_dir(env: dict[str, str] | None = None) -> Path:
    """``$HEADCOUNT_CACHE``, else the user cache folder of the platform: ``$XDG_CACHE_HOME``
    or ``~/.cache`` (Linux), ``~/Library/Caches`` (macOS), ``%LOCALAPPDATA%`` (Windows),
    each with a ``headcount-planner`` folder."""
    env = dict(os.environ) if env is None else env
    if env.get(DIR_ENV):
        return Path(env[DIR_ENV]).expanduser()
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / APP_NAME


def default_max_bytes(env: dict[str, str] | None = None) -> int:
    """``$HEADCOUNT_CACHE_MAX_MB`` (megabytes) in bytes, else DEFAULT_MAX_MB."""
    env = dict(os.environ) if env is None else env
    try:
        mb = float(env.get(MAX_ENV) or DEFAULT_MAX_MB)
    except ValueError:
        mb = DEFAULT_MAX_MB
    return int(max(mb, 0.0) * 1024 * 1024)


class ForecastCache:
    """Forecast results on disk under ``folder``, at most ``max_bytes`` in all.

    ``get`` and ``put`` never raise on a disk problem: a cache that cannot be read or
    written is a miss (and a re-forecast), not a failed command.
    """

    def __init__(self, folder: Path | str | None = None, max_bytes: int | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_dir()
        self.max_bytes = default_max_bytes() if max_bytes is None else int(max_bytes)

    def path(self, key: str) -> Path:
        """The file of ``key``."""
        return self.folder / f"{key}{SUFFIX}"

    def get(self, key: str) -> ForecastResult | None:
        """The stored result of ``key``, or None (absent, damaged or unreadable: a damaged
        entry is deleted)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        value = _decode(data)
        if not isinstance(value, ForecastResult):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used
        return value

    def put(self, key: str, value: ForecastResult) -> None:
        """Store ``value`` under ``key`` atomically, then evict down to ``max_bytes``."""
        data = _encode(value)
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".part")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.path(key))
            tmp = None
            self.evict()
        except OSError:
            pass  # a read-only or full disk costs a re-forecast next time, nothing else
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def entries(self) -> list[tuple[Path, int, float]]:
        """(file, bytes, last used) of every entry, least recently used first."""
        out = []
        for p in self.folder.glob(f"*{SUFFIX}"):
            with contextlib.suppress(OSError):
                st = p.stat()
                out.append((p, st.st_size, st.st_mtime))
        return sorted(out, key=lambda e: e[2])

    def evict(self) -> None:
        """Delete least recently used entries until the total is at most ``max_bytes``, and
        temporary files of writers that died."""
        now = time.time()
        for p in self.folder.glob(".tmp-*.part"):
            with contextlib.suppress(OSError):
                if now - p.stat().st_mtime > STALE_TEMP_S:
                    p.unlink()
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        for p, size, _ in entries:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                p.unlink()
            total -= size

    def clear(self) -> None:
        """Delete every entry."""
        for p, _, _ in self.entries():
            with contextlib.suppress(OSError):
                p.unlink()


def _encode(value: ForecastResult) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return MAGIC + hashlib.sha256(payload).digest() + len(payload).to_bytes(8, "little") + payload


def _decode(data: bytes) -> object | None:
    """The stored object, or None unless magic, length and checksum all hold."""
    head = len(MAGIC) + 32 + 8
    if len(data) < head or not data.startswith(MAGIC):
        return None
    digest = data[len(MAGIC): len(MAGIC) + 32]
    size = int.from_bytes(data[len(MAGIC) + 32: head], "little")
    payload = data[head:]
    if len(payload) != size or hashlib.sha256(payload).digest() != digest:
        return None
    try:
        return pickle.loads(payload)
    except (pickle.UnpicklingError, AttributeError, ImportError, EOFError, TypeError,
            ValueError):  # a class moved or changed since it was written: only a miss
        return None


# -- which cache is in force ----------------------------------------------------------------
_CURRENT: contextvars.ContextVar[ForecastCache | None] = contextvars.ContextVar(
    "forecast_cache", default=None)


def current_cache() -> ForecastCache | None:
    """The cache set by the innermost :func:`use_cache` block, else None (no caching)."""
    return _CURRENT.get()


@contextlib.contextmanager
def use_cache(cache: ForecastCache | None) -> Iterator[ForecastCache | None]:
    """Run a block with ``cache`` (None: no caching) as :func:`current_cache`."""
    token = _CURRENT.set(cache)
    try:
        yield cache
    finally:
        _CURRENT.reset(token)
