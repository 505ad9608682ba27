"""The scenario store under faults: a saving process killed with SIGKILL, a read-only store,
a full disk. The store must stay consistent (SQLite integrity check, contiguous versions,
every saved scenario loads) and the error must say in words what happened.

Faults are real, not mocked: the child is really killed inside its open transaction; the
read-only store is refused by SQLite itself (a read-only URI, and a child process without
write permission); the full disk is a child process whose file-size limit (RLIMIT_FSIZE)
stops SQLite's writes, as ENOSPC would.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import resource
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from store_fixtures import FORECAST, PLAN, as_plan

from planning.inputs.loading import load_inputs
from planning.inputs.writers import inputs_from_texts, inputs_to_texts
from planning.store import store as store_module
from planning.store.store import ScenarioStore, StoreError

CTX = mp.get_context("fork")
NOBODY = 65534


@pytest.fixture
def inputs(tiny):
    return load_inputs(tiny(forecast__csv=FORECAST), stage="plan")


def assert_consistent(db: Path) -> list[int]:
    """SQLite's own integrity check passes, versions are 1..n, every version loads."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    with ScenarioStore(str(db)) as store:
        listed = store.list()
        versions = sorted(listed.loc[listed["name"] == "shared", "version"])
        assert versions == list(range(1, len(versions) + 1))
        for v in versions:
            loaded = store.load("shared", v)
            assert loaded.plan.total_cost == listed.loc[listed["version"] == v, "total_cost"].item()
            assert len(store.history("shared").query("version == @v")) >= 1
    return versions


# -- a process killed in the middle of a save --------------------------------------------------
def _save_and_hang(db: str, texts: dict, ready) -> None:
    """Save, but stop for ever inside the transaction, after both rows are written."""
    inputs = inputs_from_texts(texts)
    original = store_module._insert_event

    def hang(*args, **kwargs):
        original(*args, **kwargs)
        ready.set()
        time.sleep(600)

    store_module._insert_event = hang
    with ScenarioStore(db) as store:
        store.save("shared", inputs, as_plan(PLAN | {"total_cost": 99.0}))


def test_process_killed_inside_the_save_transaction_leaves_the_store_consistent(tmp_path, inputs):
    db = tmp_path / "store.db"
    with ScenarioStore(str(db)) as store:
        store.save("shared", inputs, as_plan(PLAN | {"total_cost": 1.0}))
    ready = CTX.Event()
    child = CTX.Process(target=_save_and_hang, args=(str(db), inputs_to_texts(inputs), ready))
    child.start()
    assert ready.wait(60), "the child never reached the middle of its save"
    os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    assert assert_consistent(db) == [1]  # the half-done version 2 is gone, version 1 intact
    with ScenarioStore(str(db)) as store:  # the write lock died with the process
        t0 = time.monotonic()
        assert store.save("shared", inputs, as_plan(PLAN | {"total_cost": 2.0})).version == 2
        assert time.monotonic() - t0 < 10
    assert assert_consistent(db) == [1, 2]


def _save_forever(db: str, texts: dict, started, saved) -> None:
    inputs = inputs_from_texts(texts)
    with ScenarioStore(db) as store:
        started.set()
        i = 0
        while True:
            i += 1
            store.save("shared", inputs, as_plan(PLAN | {"total_cost": float(1000 + i)}))
            with saved.get_lock():
                saved.value += 1


@pytest.mark.slow
def test_processes_killed_at_random_moments_never_corrupt_the_store(tmp_path, inputs):
    db = tmp_path / "store.db"
    ScenarioStore(str(db)).close()
    texts = inputs_to_texts(inputs)
    rng = random.Random(7)
    saved = CTX.Value("i", 0)
    for _ in range(3):
        started = CTX.Event()
        children = [CTX.Process(target=_save_forever, args=(str(db), texts, started, saved))
                    for _ in range(2)]
        for c in children:
            c.start()
        assert started.wait(60)
        # kill at a random moment after this round's first save landed (on a loaded machine
        # a fixed sleep may end before any save, and the test would prove nothing)
        before, deadline = saved.value, time.monotonic() + 120
        while saved.value == before and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        for c in children:
            os.kill(c.pid, signal.SIGKILL)
            c.join(30)
        assert_consistent(db)
    assert len(assert_consistent(db)) > 0  # saves did land between the kills


# -- a read-only store -----------------------------------------------------------------------
def test_read_only_database_is_a_clear_error_and_changes_nothing(tmp_path, inputs):
    db = tmp_path / "store.db"
    with ScenarioStore(str(db)) as store:
        store.save("shared", inputs, as_plan())
    # SQLite itself opens the file read-only: every write is refused by the database engine
    ro = ScenarioStore(f"sqlite:///file:{db}?mode=ro&uri=true")
    assert ro.list()["version"].tolist() == [1]  # reading still works
    with pytest.raises(StoreError) as info:
        ro.save("shared", inputs, as_plan())
    ro.close()
    message = str(info.value)
    assert "could not be written: the database is read-only" in message
    assert "Nothing was saved" in message and str(db) in message
    assert assert_consistent(db) == [1]


def _open_without_permission(db: str, queue) -> None:
    os.environ.pop("HEADCOUNT_ROLES", None)  # the suite's roles file is private to its owner
    if os.getuid() == 0:  # root may write anywhere: run as an ordinary user instead
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    try:
        with ScenarioStore(db) as store:
            store.list()
        queue.put("opened")
    except StoreError as exc:
        queue.put(f"StoreError: {exc}")
    except Exception as exc:  # anything else is the failure this test looks for
        queue.put(f"{type(exc).__name__}: {exc}")


def _in_child(target, *args) -> str:
    queue = CTX.Queue()
    child = CTX.Process(target=target, args=(*args, queue))
    child.start()
    child.join(60)
    return queue.get(timeout=5)


@pytest.fixture
def open_folder():
    """A folder every user may enter (pytest's tmp_path is private to its owner)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="headcount-ro-"))
    os.chmod(path, 0o755)
    yield path
    os.chmod(path, 0o755)
    shutil.rmtree(path, ignore_errors=True)


def test_store_in_a_read_only_folder_is_a_clear_error(open_folder, inputs):
    folder = open_folder / "ro"
    db = folder / "store.db"
    with ScenarioStore(str(db)) as store:
        store.save("shared", inputs, as_plan())
    os.chmod(db, 0o444)
    os.chmod(folder, 0o555)
    try:
        got = _in_child(_open_without_permission, str(db))
        new_folder = _in_child(_open_without_permission, str(folder / "sub" / "new.db"))
    finally:
        os.chmod(folder, 0o755)
        os.chmod(db, 0o644)
    assert got.startswith("StoreError: the scenario store ") and "could not be written" in got, got
    assert "read-only" in got or "cannot be opened" in got, got
    assert new_folder.startswith("StoreError: cannot create the folder of the scenario store"), new_folder
    assert "Permission denied" in new_folder
    assert assert_consistent(db) == [1]


# -- a full disk -----------------------------------------------------------------------------
def _save_on_a_full_disk(db: str, texts: dict, limit: int, queue) -> None:
    inputs = inputs_from_texts(texts)
    store = ScenarioStore(db)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    big = as_plan(PLAN | {"message": os.urandom(1_500_000).hex()})  # ~1.5 MB even compressed
    try:
        store.save("shared", inputs, big)
        queue.put("saved")
    except StoreError as exc:
        queue.put(f"StoreError: {exc}")
    except Exception as exc:
        queue.put(f"{type(exc).__name__}: {exc}")


def test_full_disk_is_a_clear_error_and_the_store_stays_as_it_was(tmp_path, inputs):
    db = tmp_path / "store.db"
    with ScenarioStore(str(db)) as store:
        store.save("shared", inputs, as_plan())
        before = store.list()
    sizes = [p.stat().st_size for p in tmp_path.glob("store.db*")]
    got = _in_child(_save_on_a_full_disk, str(db), inputs_to_texts(inputs), max(sizes) + 200_000)
    assert got.startswith("StoreError: the scenario store "), got
    assert ("disk is full" in got or "disk could not be written" in got), got
    assert "Nothing was saved" in got
    assert assert_consistent(db) == [1]
    with ScenarioStore(str(db)) as store:
        assert store.list().equals(before)
        assert store.save("shared", inputs, as_plan()).version == 2  # space back: it works again


def test_cli_reports_a_read_only_store_in_words(tmp_path, inputs, tiny, capsys):
    from planning.cli.main import main

    db = tmp_path / "store.db"
    with ScenarioStore(str(db)) as store:
        store.save("shared", inputs, as_plan())
    url = f"sqlite:///file:{db}?mode=ro&uri=true"
    assert main(["scenario", "status", "shared", "submitted", "--comment", "go",
                 "--db", url]) == 2
    err = capsys.readouterr().err
    assert "could not be written: the database is read-only" in err and "Traceback" not in err
