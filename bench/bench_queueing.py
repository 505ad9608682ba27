"""Benchmark: staff one realtime queue for a year of hourly intervals.

8,760 hourly loads drawn uniformly between 5 and 5,000 Erlangs (seed 2027), AHT 180 s,
80% answered within 20 s. Times ``required_agents_many`` with Erlang C (the default for
a realtime queue) and with Erlang A (patience 120 s, at most 5% abandoned).
Target: under 1 s for the Erlang C case. Run: ``python bench/bench_queueing.py``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planning.requirements.queueing import required_agents_many

INTERVALS = 8_760
REPEATS = 5


def _time(label: str, loads: np.ndarray, **kwargs: float | None) -> None:
    seconds = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        agents = required_agents_many(loads, 180.0, 0.8, 20.0, **kwargs)
        seconds.append(time.perf_counter() - start)
    print(f"{label:<34} best {min(seconds):6.3f} s  median {statistics.median(seconds):6.3f} s"
          f"  (agent-hours {int(agents.sum()):,})")


def main() -> None:
    rng = np.random.default_rng(2027)
    loads = rng.uniform(5.0, 5_000.0, INTERVALS)
    print(f"{INTERVALS} hourly loads, 5-5,000 Erlangs, AHT 180 s, 80% in 20 s, "
          f"{REPEATS} runs each")
    _time("Erlang C", loads)
    _time("Erlang A (patience 120 s, ab<=5%)", loads, patience_seconds=120.0)


if __name__ == "__main__":
    main()
