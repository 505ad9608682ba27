"""Large synthetic volume histories made from the sample's shapes (for scale benchmarks).

:func:`panel_chunks` streams a panel of N daily series (default 3 years each) in chunks, so
a 10,000-series panel never has to sit in memory at once; :func:`large_input_folder`
writes a full input folder (200 markets x 20 queues by default) that plans end to end.

Each synthetic series copies the log-shape of one long sample series (its weekly and
yearly pattern, event spikes, level shift if any), scaled to a random level (log-normal),
tilted by a random trend (-15 % to +25 % a year) and given its own day-to-day noise
(AR(1) on the log scale, sd 0.06, lag-1 correlation 0.5). Series ``i`` depends only on
``(seed, i)``: the same panel comes out whatever the chunk size.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def sample_shapes(sample: Path = SAMPLE, min_days: int = 1095) -> list[tuple[str, str, pd.Series]]:
    """(market, queue, log1p cases by date) of every sample series with ``min_days`` or more."""
    vol = pd.read_csv(sample / "volumes.csv", parse_dates=["date"])
    out = []
    for (m, q), g in vol.groupby(["market", "queue"], sort=True):
        if len(g) >= min_days:
            out.append((m, q, np.log1p(g.set_index("date")["cases"].astype(float))))
    return out


def synthetic_series(i: int, shapes: list, seed: int = 0, days: int = 1096,
                     level: float = 1.0) -> tuple[str, str, np.ndarray]:
    """Template market and queue, and ``days`` daily case counts of series ``i``."""
    rng = np.random.default_rng([seed, i])
    m, q, z = shapes[i % len(shapes)]
    z = z.to_numpy()[-days:]
    t = np.arange(z.size) / 365.25
    e = rng.standard_normal(z.size) * 0.06
    noise = np.empty_like(e)
    noise[0] = e[0]
    for d in range(1, e.size):
        noise[d] = 0.5 * noise[d - 1] + e[d]
    log_scale = rng.normal(0.0, 1.0) + np.log(level) + rng.uniform(-0.15, 0.25) * t
    y = np.maximum(np.round(np.expm1(z + log_scale + noise)), 0.0)
    return m, q, y


def panel_chunks(n_series: int, chunk: int = 500, seed: int = 0, days: int = 1096,
                 end: str = "2027-01-03") -> Iterator[pd.DataFrame]:
    """Chunks of a synthetic panel: unique_id (``S000123|queue``), ds, y (cases per day)."""
    shapes = sample_shapes()
    dates = pd.date_range(end=end, periods=days, freq="D")
    for first in range(0, n_series, chunk):
        frames = []
        for i in range(first, min(first + chunk, n_series)):
            _m, q, y = synthetic_series(i, shapes, seed, days)
            frames.append(pd.DataFrame({"unique_id": f"S{i:06d}|{q}", "ds": dates, "y": y}))
        yield pd.concat(frames, ignore_index=True)


def large_input_folder(folder: Path, markets: int = 200, queues: int = 20, weeks: int = 13,
                       seed: int = 0) -> Path:
    """An input folder of ``markets`` x ``queues`` series of 3 years, from the sample's tables.

    Markets ``M000``... take the language and events of sample markets in turn; queues are
    the sample's queues and numbered copies of them (same kind, handling time, deadlines,
    intraday profile); every series is scaled so the whole operation has about the sample's
    total volume (the sample's sites and vendors can staff it). The plan covers ``weeks``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE / "sites.csv", folder / "sites.csv")
    s_markets = pd.read_csv(SAMPLE / "markets.csv")
    s_queues = pd.read_csv(SAMPLE / "queues.csv")
    mk = pd.DataFrame({"market": [f"M{k:03d}" for k in range(markets)],
                       "template": [s_markets["market"][k % len(s_markets)] for k in range(markets)]})
    mk = mk.merge(s_markets.rename(columns={"market": "template"}), on="template", how="left")
    qs = pd.DataFrame([{**s_queues.iloc[k % len(s_queues)].to_dict(),
                        "template": s_queues["queue"][k % len(s_queues)],
                        "queue": s_queues["queue"][k % len(s_queues)]
                        + ("" if k < len(s_queues) else f"_{k // len(s_queues)}")}
                       for k in range(queues)])
    mk.drop(columns="template").to_csv(folder / "markets.csv", index=False)
    vendors = pd.read_csv(SAMPLE / "vendors.csv")  # serve the markets made from theirs
    vendors["markets"] = [";".join(mk.loc[mk["template"].isin(str(v).split(";")), "market"])
                          if v != "*" else v for v in vendors["markets"]]
    vendors.to_csv(folder / "vendors.csv", index=False)
    qs.drop(columns="template").to_csv(folder / "queues.csv", index=False)
    intraday = pd.read_csv(SAMPLE / "intraday.csv")
    pd.concat([intraday[intraday["queue"] == t].assign(queue=q)
               for q, t in zip(qs["queue"], qs["template"], strict=True)]).to_csv(
        folder / "intraday.csv", index=False)
    events = pd.read_csv(SAMPLE / "events.csv")
    pd.concat([events[events["market"] == "*"]]
              + [events[events["market"] == t].assign(market=m)
                 for m, t in zip(mk["market"], mk["template"], strict=True)]).to_csv(
        folder / "events.csv", index=False)
    shapes = {(m, q): z for m, q, z in sample_shapes()}
    keys = list(shapes)
    dates = next(iter(shapes.values())).index
    level = len(shapes) / (markets * queues)
    with open(folder / "volumes.csv", "w", encoding="utf-8") as out:
        out.write("market,queue,date,cases\n")
        day_text = dates.strftime("%Y-%m-%d")
        for a, m in enumerate(mk["market"]):
            for b, (q, t) in enumerate(zip(qs["queue"], qs["template"], strict=True)):
                i = a * queues + b
                # a template of the same queue where the sample has one, else any
                same = [k for k in keys if k[1] == t] or keys
                pick = same[i % len(same)]
                _m, _q, y = synthetic_series(i, [(pick[0], pick[1], shapes[pick])], seed,
                                             len(dates), level)
                out.writelines(f"{m},{q},{d},{int(v)}\n" for d, v in zip(day_text, y,
                                                                         strict=True))
    start = (dates[-1] + pd.Timedelta(days=1)).date()
    (folder / "scenario.toml").write_text(
        f'[plan]\nstart = "{start}"\nweeks = {weeks}\n\n[solver]\ntime_limit_s = 600\n'
        'mip_gap = 0.001\n', encoding="utf-8")
    return folder
