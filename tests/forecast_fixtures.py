"""Small forecast-stage inputs: two listing series (ID, GB) with a weekday pattern."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from planning.inputs.scenario import PlanSettings, Scenario
from planning.inputs.tables import Inputs

START = date(2027, 1, 4)  # a Monday
WEEKLY = np.array([1.0, 1.05, 1.0, 0.95, 1.1, 0.6, 0.5])


def volumes(last: str = "2027-01-03", n: int = 200, seed: int = 0) -> pd.DataFrame:
    """ID and GB listing volumes ending on ``last``: weekday pattern, 3 % noise."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(end=last, periods=n, freq="D")
    parts = []
    for market, level in (("ID", 1000.0), ("GB", 300.0)):
        cases = level * WEEKLY[days.weekday] * np.exp(rng.normal(0, 0.03, n))
        parts.append(pd.DataFrame({"market": market, "queue": "listing", "date": days,
                                   "cases": cases.round()}))
    return pd.concat(parts, ignore_index=True)


def inputs(vol: pd.DataFrame | None, events: pd.DataFrame | None = None,
           weeks: int = 4) -> Inputs:
    if events is None:
        events = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "name": [],
                               "market": [], "uplift": []})
    return Inputs(
        scenario=Scenario(plan=PlanSettings(start=START, weeks=weeks)),
        markets=pd.DataFrame({"market": ["ID", "GB"], "language": ["id", "en"]}),
        queues=pd.DataFrame({"queue": ["listing"], "kind": ["deferrable"], "aht_minutes": [5.0]}),
        market_queues=pd.DataFrame(columns=["market", "queue"]),
        events=events,
        volumes=vol,
    )
