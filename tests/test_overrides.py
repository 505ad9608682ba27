"""Manual forecast overrides: scaled quantiles, compounding, checks (values by hand)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from planning.overrides import Override, apply_overrides, check_override


def _forecast() -> pd.DataFrame:
    days = pd.date_range("2027-01-04", periods=4)
    rows = [(m, q, d) for m in ("ID", "TH") for q in ("listing", "live") for d in days]
    f = pd.DataFrame(rows, columns=["market", "queue", "date"])
    f["p10"], f["p50"], f["p90"], f["model"] = 80.0, 100.0, 130.0, "ETS"
    return f


def test_override_scales_every_quantile_of_matching_days_only():
    f = _forecast()
    out = apply_overrides(f, [Override("ID", "listing", date(2027, 1, 6), 15.0)])
    hit = (out["market"] == "ID") & (out["queue"] == "listing") & (out["date"] >= "2027-01-06")
    assert hit.sum() == 2
    assert out.loc[hit, ["p10", "p50", "p90"]].values == pytest.approx(
        np.array([[92.0, 115.0, 149.5]] * 2))
    assert (out.loc[~hit, ["p10", "p50", "p90"]].values == [80.0, 100.0, 130.0]).all()
    assert (out["model"] == "ETS").all()
    assert f["p50"].eq(100.0).all()  # the input is left alone


def test_overrides_with_wildcards_and_end_compound_in_order():
    out = apply_overrides(_forecast(), [
        Override("*", "live", date(2027, 1, 4), -10.0, end=date(2027, 1, 5)),
        Override("TH", "*", date(2027, 1, 5), 20.0),
    ])
    got = out.set_index(["market", "queue", "date"])["p50"]
    assert got[("ID", "live", pd.Timestamp("2027-01-04"))] == pytest.approx(90.0)
    assert got[("ID", "live", pd.Timestamp("2027-01-06"))] == pytest.approx(100.0)
    assert got[("TH", "live", pd.Timestamp("2027-01-05"))] == pytest.approx(100.0 * 0.9 * 1.2)
    assert got[("TH", "listing", pd.Timestamp("2027-01-04"))] == pytest.approx(100.0)
    assert got[("TH", "listing", pd.Timestamp("2027-01-07"))] == pytest.approx(120.0)


def test_bad_overrides_are_explained():
    assert check_override(Override("ID", "*", date(2027, 1, 4), -100.0))
    assert check_override(Override("ID", "*", date(2027, 1, 4), 5.0, end=date(2027, 1, 1)))
    with pytest.raises(ValueError, match="before start"):
        apply_overrides(_forecast(), [Override("ID", "*", date(2027, 1, 4), 5, date(2027, 1, 1))])
    text = Override("ID", "*", date(2027, 3, 1), 15, note="policy").describe()
    assert text == "+15% on ID / all queues from 2027-03-01 (policy)"
