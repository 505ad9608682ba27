"""The ``Weighted`` candidate: the base candidates averaged with weights from the backtest.

A combination of forecasts is usually more accurate than the single model a short backtest
picks (the M3/M4 competitions' lesson): choosing among candidates from three windows is
noisy, averaging is not. Each base candidate (:data:`COMPONENTS`) gets a weight inversely
proportional to the square of its mean absolute error (cases per day) over the backtest
days, ``w_m = MAE_m^-2 / sum_k MAE_k^-2``; the weighted forecast is ``sum_m w_m p_m`` in
cases. So a model twice as bad as another gets a quarter of its weight; one whose weight
would be under :data:`MIN_WEIGHT` gets none (and its final fit is not made).

Honest backtest: the weighted forecast of backtest window ``i`` uses weights from the
*other* windows only (leave one window out), so its backtest error, which the model choice
compares with the single candidates' and the P10-P90 band is built from, is out of sample.
The final forecast uses weights from every window. With fewer than two windows there are
no out-of-sample weights and ``Weighted`` is no candidate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

COMPONENTS = ("Harmonic", "ETS", "Theta", "SeasonalNaive")
POWER = 2.0  # weights ~ MAE^-POWER
MIN_WEIGHT = 0.01  # smaller weights are dropped and the rest scaled up to sum to 1


def weights(abs_err: Mapping[str, float], days: int) -> dict[str, float]:
    """Weights of the components from their summed absolute errors over ``days`` days."""
    if days <= 0:
        return {}
    mae = {m: max(e / days, 1e-12) for m, e in abs_err.items() if np.isfinite(e)}
    inv = {m: e ** -POWER for m, e in mae.items()}
    total = sum(inv.values())
    if not total > 0:
        return {}
    keep = {m: v for m, v in inv.items() if v / total >= MIN_WEIGHT}
    return {m: v / sum(keep.values()) for m, v in keep.items()}


def combine(preds: Mapping[str, np.ndarray], w: Mapping[str, float]) -> np.ndarray:
    """``sum_m w_m preds_m`` (cases per day)."""
    return np.sum([w[m] * np.asarray(preds[m], dtype=float) for m in w], axis=0)


def window_errors(actual: Sequence[np.ndarray], preds: Sequence[Mapping[str, np.ndarray]],
                  models: Sequence[str]) -> tuple[list[dict[str, float]], list[int]]:
    """Per backtest window: the summed |actual - forecast| of each model over the scored
    days (``actual`` NaN on days that are not scored), and the number of scored days."""
    errs, days = [], []
    for y, p in zip(actual, preds, strict=True):
        ok = ~np.isnan(y)
        errs.append({m: float(np.sum(np.abs(y[ok] - p[m][ok]))) for m in models})
        days.append(int(ok.sum()))
    return errs, days


def pooled_weights(errs: Sequence[Mapping[str, float]], days: Sequence[int],
                   models: Sequence[str], skip: int | None = None) -> dict[str, float]:
    """Weights from every window's errors except window ``skip``."""
    keep = [i for i in range(len(errs)) if i != skip]
    return weights({m: sum(errs[i][m] for i in keep) for m in models},
                   sum(days[i] for i in keep))
