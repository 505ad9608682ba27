"""One result cache on disk, shared by the CLI, the app and scenario saves.

Two kinds of entry live in it, each keyed on the content of everything that decides it:

- the forecast stage's :class:`forecasts.ForecastResult` (:mod:`planning.forecast_cache`:
  volumes, events, plan dates, quantiles, backtest windows, the forecasting code);
- the SLA-confidence plan, :class:`planning.risk.confidence.ConfidencePlan` (its
  ``confidence_key``: the inputs, the forecast, the calibration settings and seed, the
  solver settings, the code of the calibration, requirement and optimiser modules).

A key is a digest (:func:`combine`) of content digests: every cell of a table
(:func:`frame_digest`), settings, and a code version (:func:`code_version`: the source of the
modules that decide the result, and the Python and package versions). Entries live in
``$HEADCOUNT_CACHE`` (default: the platform's user cache folder, e.g.
``~/.cache/headcount-planner``). Writes are atomic (a temporary file in the same folder, then
a rename), so readers see a whole entry or none, also with several processes writing the
same key. Each entry carries a SHA-256 of its payload, checked before it is unpickled, and is
returned only when it is of the type asked for: a damaged entry is deleted and rebuilt, never
trusted. The folder is kept under ``$HEADCOUNT_CACHE_MAX_MB`` (default 512) by deleting the
least recently used entries, whatever their kind.

Front ends turn the cache on for a block with :func:`use_cache` (the CLI unless
``--no-cache``; the app for its stages); library calls outside such a block do not touch the
disk.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import os
import pickle
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import TypeVar

import pandas as pd

DIR_ENV = "HEADCOUNT_CACHE"
MAX_ENV = "HEADCOUNT_CACHE_MAX_MB"
DEFAULT_MAX_MB = 512
APP_NAME = "headcount-planner"
MAGIC = b"HCCACHE2\n"
SUFFIX = ".entry"
#: entries of earlier versions (other format): deleted when the cache is trimmed
LEGACY_SUFFIXES = (".forecast",)
STALE_TEMP_S = 3600  # a temporary file older than this was left by a crashed writer

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


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


def source_digest(paths: Iterable[str], root: Path = ROOT) -> str:
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


_VERSIONS: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}


def code_version(code: Iterable[str], packages: Iterable[str]) -> str:
    """Digest of the source in ``code`` (paths under the project, see :func:`source_digest`),
    of the Python version and of the versions of ``packages``; computed once per process
    and set of arguments."""
    ident = (tuple(code), tuple(packages))
    if ident not in _VERSIONS:
        versions = tuple((p, _package_version(p)) for p in ident[1])
        _VERSIONS[ident] = combine(source_digest(ident[0]), platform.python_version(), versions)
    return _VERSIONS[ident]


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


class DiskCache:
    """Results on disk under ``folder``, at most ``max_bytes`` in all.

    ``get`` and ``put`` never raise on a disk problem: a cache that cannot be read or
    written is a miss (and the result is computed again), not a failed command.
    """

    def __init__(self, folder: Path | str | None = None, max_bytes: int | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_dir()
        self.max_bytes = default_max_bytes() if max_bytes is None else int(max_bytes)

    def path(self, key: str) -> Path:
        """The file of ``key``."""
        return self.folder / f"{key}{SUFFIX}"

    def get(self, key: str, kind: type[T]) -> T | None:
        """The stored result of ``key`` if it is a ``kind``, else None (absent, damaged,
        unreadable or of another type: such an entry is deleted)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        value = _decode(data)
        if not isinstance(value, kind):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used
        return value

    def put(self, key: str, value: object) -> None:
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
            pass  # a read-only or full disk costs a recomputation next time, nothing else
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
        """Delete least recently used entries until the total is at most ``max_bytes``,
        temporary files of writers that died, and entries of earlier formats."""
        now = time.time()
        for p in self.folder.glob(".tmp-*.part"):
            with contextlib.suppress(OSError):
                if now - p.stat().st_mtime > STALE_TEMP_S:
                    p.unlink()
        for suffix in LEGACY_SUFFIXES:
            for p in self.folder.glob(f"*{suffix}"):
                with contextlib.suppress(OSError):
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


def _encode(value: object) -> bytes:
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


def cached(cache: DiskCache | None, key: Callable[[], str], kind: type[T],
           make: Callable[[], T], keep: Callable[[T], bool] | None = None) -> T:
    """``make()``, read from ``cache`` under ``key()`` when it holds a good entry of type
    ``kind``, and stored there otherwise when ``keep(value)`` (default: always). Without a
    cache: just ``make()`` (no key made). A result type with a ``reused`` field comes back
    from the cache with it True, so front ends can say the result (and the seconds it
    carries) is an earlier run's."""
    if cache is None:
        return make()
    k = key()
    hit = cache.get(k, kind)
    if hit is not None:
        return _as_reused(hit)
    value = make()
    if keep is None or keep(value):
        cache.put(k, value)
    return value


def _as_reused(value: T) -> T:
    if dataclasses.is_dataclass(value) and any(f.name == "reused"
                                               for f in dataclasses.fields(value)):
        return dataclasses.replace(value, reused=True)
    return value


# -- which cache is in force ----------------------------------------------------------------
_CURRENT: contextvars.ContextVar[DiskCache | None] = contextvars.ContextVar(
    "disk_cache", default=None)


def current_cache() -> DiskCache | None:
    """The cache set by the innermost :func:`use_cache` block, else None (no caching)."""
    return _CURRENT.get()


@contextlib.contextmanager
def use_cache(cache: DiskCache | None) -> Iterator[DiskCache | None]:
    """Run a block with ``cache`` (None: no caching) as :func:`current_cache`."""
    token = _CURRENT.set(cache)
    try:
        yield cache
    finally:
        _CURRENT.reset(token)
