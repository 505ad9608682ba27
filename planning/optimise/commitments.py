"""Optimiser hook of a re-plan: fixed commitments on a built model (see planning/actuals/replan.py).

``optimise(..., commitments=...)`` calls :func:`apply_commitments` right after building the
MIP and both explanation LPs (``fixed_hires`` fixes the starts at the MIP's values, which
honour the commitments already, but its vendor FTE would be free again).

Constraints added (named after their index like every other row):

- ``committed_starts[s][t]``: ``starts[s,t] >= committed`` (hires already in the pipeline);
  inside the site's lead time, where the plan may start no one, the starts variable is
  fixed to exactly the committed number instead (those requisitions went out before);
- ``signed_fte[v][Q]``: ``F[v,Q] == signed`` (a vendor contract already signed).

Contradictions (a commitment above ``max_starts_week``, a signed FTE outside the vendor's
``min_fte`` / ``max_fte``, names the model does not know) raise InputError in words.
Commitments for weeks or quarters outside the plan are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from planning.errors import InputError, Issue
from planning.optimise.build import Model


def _frame(columns: list[str]) -> pd.DataFrame:
    dtypes = {"site": object, "vendor": object, "quarter": object, "week": "datetime64[ns]"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, float)) for c in columns})


@dataclass(frozen=True)
class Commitments:
    """What a re-plan may not change.

    starts: rows (site, week, starts): hires already in the pipeline; the plan starts at
        least these many people at the site that week (and, inside the site's lead time,
        exactly these).
    vendor_fte: rows (vendor, quarter, fte): vendor contracts already signed; the plan buys
        exactly this FTE from the vendor in that quarter.
    """

    starts: pd.DataFrame = field(default_factory=lambda: _frame(["site", "week", "starts"]))
    vendor_fte: pd.DataFrame = field(default_factory=lambda: _frame(["vendor", "quarter", "fte"]))


def commitment_issues(model: Model, commitments: Commitments) -> list[Issue]:
    """What in the commitments contradicts the model's inputs (empty when they fit)."""
    d = model.data
    issues: list[Issue] = []
    sites = {s.name: s for s in d.sites}
    for r in commitments.starts.itertuples(index=False):
        site = sites.get(str(r.site))
        if site is None:
            issues.append(Issue("commitments", None, "site", str(r.site), "is not a site of the plan"))
        elif site.max_starts_week is not None and float(r.starts) > site.max_starts_week + 1e-9:
            issues.append(Issue("commitments", None, "starts", f"{float(r.starts):g}",
                                f"must not exceed max_starts_week {site.max_starts_week:g} of site "
                                f"{site.name} (week {pd.Timestamp(r.week).date()})"))
    vendors = {v.name: v for v in d.vendors}
    for r in commitments.vendor_fte.itertuples(index=False):
        v = vendors.get(str(r.vendor))
        fte = float(r.fte)
        if v is None:
            issues.append(Issue("commitments", None, "vendor", str(r.vendor), "is not a vendor of the plan"))
        elif fte < v.min_fte - 1e-9 or (v.max_fte is not None and fte > v.max_fte + 1e-9):
            top = "no maximum" if v.max_fte is None else f"{v.max_fte:g}"
            issues.append(Issue("commitments", None, "fte", f"{fte:g}",
                                f"signed FTE of vendor {v.name} in {r.quarter} must lie within its "
                                f"min_fte {v.min_fte:g} and max_fte ({top})"))
    return issues


def apply_commitments(model: Model, commitments: Commitments) -> Model:
    """Add the commitments to a built model (in place; returns it). Raises InputError when
    they contradict the inputs."""
    issues = commitment_issues(model, commitments)
    if issues:
        raise InputError(issues)
    d = model.data
    week_index = {w: t for t, w in enumerate(d.weeks)}
    lead = {s.name: s.lead_weeks for s in d.sites}
    starts = model.var.get("starts", {})
    for r in commitments.starts.itertuples(index=False):
        week = str(pd.Timestamp(r.week).date())
        key = (str(r.site), week)
        if week not in week_index or key not in starts:
            continue
        var, n = starts[key], float(r.starts)
        if week_index[week] < lead[str(r.site)]:
            var.lowBound = var.upBound = n
        else:
            model.add_con("committed_starts", key, var >= n)
    F = model.var.get("F", {})
    for r in commitments.vendor_fte.itertuples(index=False):
        key = (str(r.vendor), str(r.quarter))
        if key in F:
            model.add_con("signed_fte", key, F[key] == float(r.fte))
    return model
