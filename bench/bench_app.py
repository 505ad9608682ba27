"""Browser benchmark of the Streamlit app on the sample data (Playwright + Debian chromium).

Measures, from a click to the page having finished running (``stApp`` script state
``notRunning`` with the new page's title shown):
- the first plan a new user sees (server start excluded; forecast read from the disk cache
  when present, else computed, which the output says);
- switching between the six pages with the sample loaded, several rounds (target < 1 s);
- a full re-plan after a shrinkage change: requirements and the optimised plan (< 10 s).

Usage: ``.venv/bin/python bench/bench_app.py [--rounds 3] [--replans 3] [--screenshot]``;
``--screenshot`` also writes docs/screenshot-plan.png (the README's picture of the Plan page).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_browser_app import (  # noqa: E402
    CHROMIUM,
    DONE,
    ask_text,
    goto_page,
    launch,
    settle,
    start_server,
)

PAGES = ["Inputs", "Forecast", "Requirements", "Plan", "Scenarios", "Export"]


def timed_switch(page, title: str) -> float:
    t0 = time.perf_counter()
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    page.wait_for_function(
        "([t, sel]) => [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === t)"
        " && document.querySelector(sel) !== null",
        arg=[title, DONE], timeout=120_000, polling=20)
    return time.perf_counter() - t0


def replan(page, shrinkage: float) -> float:
    goto_page(page, "Inputs")
    page.get_by_role("spinbutton", name="Shrinkage, % of hours").fill(f"{100 * shrinkage:g}")
    page.get_by_role("button", name="Apply assumptions").click()
    settle(page)
    goto_page(page, "Plan")
    page.get_by_text("The inputs changed since this plan was solved").wait_for()
    t0 = time.perf_counter()
    page.get_by_role("button", name="Re-plan").click()
    page.wait_for_function(
        "sel => document.querySelector(sel) !== null && !document.body.innerText.includes("
        "'The inputs changed since this plan was solved')",
        arg=DONE, timeout=300_000, polling=50)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds through the six pages")
    ap.add_argument("--replans", type=int, default=3, help="re-plans after shrinkage changes")
    ap.add_argument("--screenshot", action="store_true", help="write docs/screenshot-plan.png")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: run `make chromium` (Debian's chromium) first")
        return 1
    from planning.disk_cache import DiskCache
    from planning.forecast_cache import forecast_key
    from planning.forecast_stage import BACKTEST_WINDOWS
    from planning.inputs.loading import load_inputs
    from planning.pipeline import plan_quantiles

    sample = load_inputs(ROOT / "data" / "sample")
    key = forecast_key(sample, plan_quantiles(sample), BACKTEST_WINDOWS)
    cached = DiskCache().path(key).exists()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"HEADCOUNT_DB": str(Path(tmp) / "bench.db"), "HEADCOUNT_DATA": "data/sample"}
        with start_server(env) as url, launch(1500, 1600) as page:
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("[data-testid='stTable']", timeout=300_000)
            settle(page)
            first = time.perf_counter() - t0
            cost = ask_text(page).split("The plan costs ", 1)[-1].split(":", 1)[0]
            if args.screenshot:  # the README's picture: what a 1440x900 screen shows
                page.get_by_text("SLA confidence per market").wait_for(timeout=300_000)
                page.set_viewport_size({"width": 1440, "height": 900})
                time.sleep(1.0)
                out = ROOT / "docs" / "screenshot-plan.png"
                page.screenshot(path=str(out))
                print(f"wrote {out.relative_to(ROOT)}")
                page.set_viewport_size({"width": 1500, "height": 1600})
            switches: dict[str, list[float]] = {p: [] for p in PAGES}
            timed_switch(page, "Inputs")  # first visits load page code and chart libraries
            for name in PAGES:
                timed_switch(page, name)
            for _ in range(args.rounds):
                for name in PAGES:
                    switches[name].append(timed_switch(page, name))
            replans = [replan(page, 0.31 + 0.01 * i) for i in range(args.replans)]
    allsw = [x for v in switches.values() for x in v]
    print(f"date (UTC): {datetime.now(UTC):%Y-%m-%d %H:%M}; machine: {platform.machine()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"Python {platform.python_version()}")
    print(f"first plan shown: {first:.1f} s (forecast {'from the disk cache' if cached else 'computed'}"
          f"), total cost {cost}")
    print("page switch, seconds (median / max over rounds):")
    for name, xs in switches.items():
        print(f"  {name:13s} {statistics.median(xs):.2f} / {max(xs):.2f}")
    print(f"  all pages     {statistics.median(allsw):.2f} / {max(allsw):.2f}  (target < 1 s)")
    print("full re-plan after a shrinkage change (requirements + optimiser), seconds: "
          + ", ".join(f"{x:.1f}" for x in replans)
          + f"; median {statistics.median(replans):.1f}  (target < 10 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
