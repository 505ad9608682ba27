"""Load test of the Streamlit app: N simultaneous browser sessions re-planning the sample.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 (temporary scenario store), opens
N sessions in one Debian chromium (Playwright, a browser context per session, so each is its
own Streamlit session), waits for every session's first plan, then all sessions at once change
shrinkage (a different value per session and round, so no session reuses another's cached
plan) and press Re-plan, ``--rounds`` times. Records per re-plan latency (click to the plan
shown), throughput (re-plans completed per minute over the concurrent phase), and the server's
memory (resident set of the server process and its children, sampled from /proc every 0.25 s).

Usage: ``.venv/bin/python bench/bench_load.py [--sessions 10] [--rounds 2] [--timeout 900]``.
Prints a Markdown block for docs/benchmarks.md ("Load test").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_browser_app import CHROMIUM, DONE, FLAGS, RUNNING, start_server  # noqa: E402

CHANGED = "The inputs changed since this plan was solved"


# -- memory from /proc -------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, MiB."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
        todo += _children(p)
    return total / 1024


class MemorySampler(threading.Thread):
    def __init__(self, pid: int, every_s: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s, self.samples = pid, every_s, []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append(tree_rss_mb(self.pid))
            self.stop.wait(self.every_s)


def server_pid(port: int) -> int:
    """The streamlit process listening on ``port`` (found by its command line)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(cmd) and str(port).encode() in cmd:
            return int(proc.name)
    raise RuntimeError(f"no streamlit process on port {port}")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- one session -------------------------------------------------------------------------------
async def settle(page, timeout_s: float = 600) -> None:
    with contextlib.suppress(Exception):  # finished already, or too quick to see
        await page.wait_for_selector(RUNNING, timeout=1500)
    await page.wait_for_selector(DONE, timeout=timeout_s * 1000)


async def goto_page(page, title: str) -> None:
    await page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    await page.wait_for_function(
        "t => [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === t)",
        arg=title, timeout=600_000)
    await settle(page)


async def replan(page, shrinkage: float) -> float:
    """Change shrinkage, then time Re-plan from the click to the new plan shown (seconds)."""
    await goto_page(page, "Inputs")
    await page.get_by_role("spinbutton", name="Shrinkage, % of hours").fill(f"{100 * shrinkage:g}")
    await page.get_by_role("button", name="Apply assumptions").click()
    await settle(page)
    await goto_page(page, "Plan")
    await page.get_by_text(CHANGED).first.wait_for(timeout=600_000)
    t0 = time.perf_counter()
    await page.get_by_role("button", name="Re-plan").click()
    await page.wait_for_function(
        "([sel, txt]) => document.querySelector(sel) !== null && !document.body.innerText.includes(txt)",
        arg=[DONE, CHANGED], timeout=600_000, polling=50)
    return time.perf_counter() - t0


async def session(browser, url: str, i: int, sessions: int, rounds: int, start: asyncio.Event,
                  ready: list[float], latencies: list[float], errors: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1400})
    page = await context.new_page()
    try:
        t0 = time.perf_counter()
        await page.goto(url)
        await page.wait_for_selector("[data-testid='stMetric']", timeout=600_000)
        await settle(page)
        ready.append(time.perf_counter() - t0)
        log(f"session {i}: first plan shown after {ready[-1]:.1f} s")
        await start.wait()
        for r in range(rounds):
            # above the sample's 0.30 and different in every session and round: a value
            # whose plan is cached already would be no re-plan at all
            latencies.append(await replan(page, 0.31 + 0.01 * (i + sessions * r)))
            log(f"session {i}: re-plan {r + 1} took {latencies[-1]:.1f} s")
    except Exception as exc:
        errors.append(f"session {i}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        log(errors[-1])
    finally:
        await context.close()


async def run(url: str, sessions: int, rounds: int, sampler: MemorySampler, res: dict) -> None:
    """Fills ``res`` as it goes, so a run stopped by the overall timeout still reports."""
    from playwright.async_api import async_playwright

    ready, latencies, errors = res["ready"], res["latencies"], res["errors"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        start = asyncio.Event()
        tasks = [asyncio.create_task(session(browser, url, i, sessions, rounds, start, ready, latencies,
                                             errors)) for i in range(sessions)]
        while len(ready) + len(errors) < sessions:
            await asyncio.sleep(0.2)
        res["mem_idle"] = sampler.samples[-1] if sampler.samples else float("nan")
        res["n_before"] = len(sampler.samples)
        res["t0"] = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        await browser.close()


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[-1] if len(xs) > 1 else xs[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10, help="at most 60 (shrinkage values)")
    ap.add_argument("--rounds", type=int, default=2, help="re-plans per session")
    ap.add_argument("--timeout", type=float, default=900, help="give up after this many seconds")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"HEADCOUNT_DB": str(Path(tmp) / "load.db"), "HEADCOUNT_DATA": "data/sample"}
        with start_server(env) as url:
            port = int(url.rsplit(":", 1)[1])
            sampler = MemorySampler(server_pid(port))
            sampler.start()
            mem_start = tree_rss_mb(sampler.pid)
            res: dict = {"ready": [], "latencies": [], "errors": [], "mem_idle": float("nan"),
                         "n_before": 0, "t0": time.perf_counter()}
            try:
                asyncio.run(asyncio.wait_for(
                    run(url, args.sessions, args.rounds, sampler, res), args.timeout))
            except TimeoutError:
                res["errors"].append(f"stopped by the overall timeout of {args.timeout:.0f} s")
            finally:
                sampler.stop.set()
            res["wall"] = time.perf_counter() - res["t0"]
            res["mem_peak"] = max(sampler.samples[res["n_before"]:] or [float("nan")])
    lat = res["latencies"]
    done = len(lat)
    load = os.getloadavg()[0]
    print(f"### Load test ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM, "
          f"Python {platform.python_version()}; load average after the run {load:.1f}. "
          f"`bench/bench_load.py --sessions {args.sessions} --rounds {args.rounds}`: "
          f"{args.sessions} browser sessions on the sample data set, all re-planning at once.\n")
    print("| measure | value |\n|---|---|")
    print(f"| sessions / re-plans completed | {args.sessions} / {done} of "
          f"{args.sessions * args.rounds} |")
    if res["ready"]:
        print(f"| first plan shown per session, median / max | {statistics.median(res['ready']):.1f}"
              f" / {max(res['ready']):.1f} s |")
    if lat:
        print(f"| re-plan latency, median / p95 / max | {statistics.median(lat):.1f} / "
              f"{p95(lat):.1f} / {max(lat):.1f} s |")
        print(f"| throughput (concurrent phase, {res['wall']:.0f} s) | "
              f"{done / res['wall'] * 60:.1f} re-plans per minute |")
    print(f"| server memory (RSS, server + children): start / all sessions open / peak | "
          f"{mem_start:.0f} / {res['mem_idle']:.0f} / {res['mem_peak']:.0f} MiB |")
    for e in res["errors"]:
        print(f"\nerror: {e}")
    return 0 if not res["errors"] and done == args.sessions * args.rounds else 1


if __name__ == "__main__":
    raise SystemExit(main())
