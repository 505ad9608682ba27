"""Plotly figures of the app: each takes the pipeline's long tables and only reshapes them
for display (sums and pivots of numbers the pipeline computed). No streamlit here."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

INHOUSE, VENDOR, SHORT, REQUIRED = "#1f77b4", "#ff7f0e", "#d62728", "#222222"


def _layout(fig: go.Figure, title: str, y: str, height: int = 380) -> go.Figure:
    fig.update_layout(title=title, yaxis_title=y, height=height, hovermode="x unified",
                      margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.15})
    return fig


def forecast_figure(history: pd.DataFrame, forecast: pd.DataFrame, events: pd.DataFrame,
                    title: str, history_days: int = 365,
                    model: pd.DataFrame | None = None) -> go.Figure:
    """Daily cases: history (date, cases), forecast (date, p10, p50, p90 when present) with
    the P10–P90 band, and events (date, name) marked as dotted lines with their names.
    model: the model's forecast before planners' overrides, drawn dashed when given."""
    fig = go.Figure()
    h = history.sort_values("date")
    if len(h):
        h = h[h["date"] > h["date"].max() - pd.Timedelta(days=history_days)]
        fig.add_scatter(x=h["date"], y=h["cases"], name="history", mode="lines",
                        line={"color": "#555555", "width": 1})
    f = forecast.sort_values("date")
    if {"p10", "p90"} <= set(f.columns):
        fig.add_scatter(x=f["date"], y=f["p90"], name="P90", mode="lines",
                        line={"width": 0, "color": INHOUSE}, showlegend=False)
        fig.add_scatter(x=f["date"], y=f["p10"], name="P10–P90", mode="lines", fill="tonexty",
                        line={"width": 0, "color": INHOUSE}, fillcolor="rgba(31,119,180,0.2)")
    if "p50" in f.columns:
        fig.add_scatter(x=f["date"], y=f["p50"],
                        name="P50 forecast" if model is None else "P50 with overrides",
                        mode="lines", line={"color": INHOUSE, "width": 2})
    if model is not None and "p50" in model.columns:
        m = model.sort_values("date")
        fig.add_scatter(x=m["date"], y=m["p50"], name="P50 model (before overrides)",
                        mode="lines", line={"color": "#d62728", "width": 1.5, "dash": "dash"})
    lo = min([x["date"].min() for x in (h, f) if len(x)], default=None)
    hi = max([x["date"].max() for x in (h, f) if len(x)], default=None)
    if lo is not None and len(events):
        ev = events[(events["date"] >= lo) & (events["date"] <= hi)]
        if len(ev):
            top = max([h["cases"].max() if len(h) else 0,
                       f[[c for c in ("p90", "p50") if c in f.columns]].max().max()
                       if len(f) else 0]) * 1.05
            names = ev.groupby("date")["name"].agg(lambda s: ", ".join(sorted(set(s))))
            # one trace of dotted verticals (x, x, None, ...): plotly shapes are far slower
            xs = [d for day in names.index for d in (day, day, None)]
            ys = [y for _ in names.index for y in (0.0, top, None)]
            fig.add_scatter(x=xs, y=ys, mode="lines", name="event days", hoverinfo="skip",
                            line={"dash": "dot", "color": "#999999", "width": 1})
            fig.add_scatter(x=names.index, y=[top] * len(names), mode="markers",
                            name="events", text=names.values, hovertemplate="%{x|%Y-%m-%d}: %{text}",
                            marker={"symbol": "triangle-down", "color": "#999999", "size": 8})
    return _layout(fig, title, "cases per day", height=420)


def requirements_heatmap(req: pd.DataFrame, by: str = "market") -> go.Figure:
    """Required FTE by ``by`` (market or queue) and week, summed over the other key."""
    pivot = req.pivot_table(index=by, columns="week", values="required_fte", aggfunc="sum",
                            fill_value=0.0).sort_index(ascending=False)
    fig = go.Figure(go.Heatmap(z=pivot.values, x=list(pivot.columns), y=list(pivot.index),
                               colorscale="Blues", colorbar={"title": "FTE"},
                               hovertemplate="%{y}, week of %{x|%Y-%m-%d}: %{z:,.1f} FTE"
                                             "<extra></extra>"))
    return _layout(fig, f"Required FTE by {by} and week", by, height=max(300, 26 * len(pivot)))


def requirements_area(req: pd.DataFrame, by: str = "market") -> go.Figure:
    """Stacked area of required FTE per week by ``by``."""
    g = req.groupby([by, "week"], as_index=False)["required_fte"].sum()
    fig = go.Figure()
    for name, part in g.groupby(by):
        fig.add_scatter(x=part["week"], y=part["required_fte"], name=str(name), mode="lines",
                        stackgroup="one", line={"width": 0.5})
    return _layout(fig, f"Required FTE per week, stacked by {by}", "FTE", height=420)


def coverage_figure(requirements: pd.DataFrame, allocation: pd.DataFrame,
                    shortfall: pd.DataFrame, market: str | None = None) -> go.Figure:
    """Per week: FTE supplied in-house and by vendors (stacked), shortfall on top, and the
    required FTE as a line; one market or all."""
    def pick(frame: pd.DataFrame) -> pd.DataFrame:
        if frame is None or frame.empty:
            return pd.DataFrame(columns=["market", "week"])
        return frame if market is None else frame[frame["market"] == market]

    weeks = sorted(pd.to_datetime(pick(requirements)["week"]).unique())
    req = pick(requirements).groupby("week")["required_fte"].sum().reindex(weeks, fill_value=0)
    alloc = pick(allocation)
    kind = alloc["pool_type"] if "pool_type" in alloc else pd.Series("site", index=alloc.index)
    inhouse = alloc[kind.eq("site")].groupby("week")["fte"].sum().reindex(weeks, fill_value=0)
    vendor = alloc[~kind.eq("site")].groupby("week")["fte"].sum().reindex(weeks, fill_value=0)
    short = pick(shortfall).groupby("week")["fte"].sum().reindex(weeks, fill_value=0) \
        if len(pick(shortfall)) else pd.Series(0.0, index=weeks)
    fig = go.Figure()
    fig.add_bar(x=weeks, y=inhouse.values, name="in-house FTE", marker_color=INHOUSE)
    fig.add_bar(x=weeks, y=vendor.values, name="vendor FTE", marker_color=VENDOR)
    fig.add_bar(x=weeks, y=short.values, name="shortfall", marker_color=SHORT)
    fig.add_scatter(x=weeks, y=req.values, name="required FTE", mode="lines+markers",
                    line={"color": REQUIRED, "width": 2}, marker={"size": 4})
    fig.update_layout(barmode="stack")
    where = "all markets" if market is None else f"market {market}"
    return _layout(fig, f"Required vs supplied productive FTE, {where}", "FTE")


def site_figure(sites: pd.DataFrame, hiring: pd.DataFrame) -> go.Figure:
    """Headcount per site and week (lines), starts (bars, right axis) and the week each
    site's requisitions must open (markers on the headcount line's x axis)."""
    fig = go.Figure()
    for site, part in sites.groupby("site", sort=False):
        fig.add_scatter(x=part["week"], y=part["headcount"], name=f"{site} headcount",
                        mode="lines")
        starts = part[part["starts"] > 0]
        if len(starts):
            fig.add_bar(x=starts["week"], y=starts["starts"], name=f"{site} starts",
                        opacity=0.5, yaxis="y2")
    if hiring is not None and len(hiring):
        req = hiring.groupby(["site", "requisition_week"], as_index=False)["starts"].sum()
        fig.add_scatter(x=req["requisition_week"], y=[0] * len(req), mode="markers",
                        name="requisitions open", text=req["site"] + ": " +
                        req["starts"].map("{:,.0f}".format) + " starts",
                        hovertemplate="%{x|%Y-%m-%d}: %{text}", yaxis="y2",
                        marker={"symbol": "diamond", "size": 10, "color": "#2ca02c"})
    fig.update_layout(yaxis2={"title": "starts per week", "overlaying": "y", "side": "right",
                              "rangemode": "tozero", "showgrid": False, "tickformat": ",.0f"},
                      bargap=0.5)
    return _layout(fig, "Headcount and starts per site (diamonds: requisitions open)",
                   "headcount", height=420)


def cost_figure(sites: pd.DataFrame, vendors: pd.DataFrame, currency: str = "USD") -> go.Figure:
    """Cost per quarter, stacked by source (each site and vendor), in ``currency``."""
    parts = []
    if sites is not None and len(sites):
        parts.append(sites.groupby(["quarter", "site"], as_index=False)["cost"].sum()
                     .rename(columns={"site": "source"}))
    if vendors is not None and len(vendors):
        parts.append(vendors.groupby(["quarter", "vendor"], as_index=False)["cost"].sum()
                     .rename(columns={"vendor": "source"}))
    cost = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["quarter", "source", "cost"])
    fig = go.Figure()
    for source, part in cost.groupby("source", sort=False):
        fig.add_bar(x=part["quarter"], y=part["cost"], name=str(source))
    fig.update_layout(barmode="stack")
    return _layout(fig, "Cost per quarter by source (in-house sites and vendors)",
                   f"cost, {currency}")


def waterfall_figure(steps: pd.DataFrame, title: str, currency: str = "USD") -> go.Figure:
    """A waterfall from rows (label, value, kind) where kind is ``absolute`` (start/end bars)
    or ``relative`` (changes)."""
    fig = go.Figure(go.Waterfall(x=steps["label"], y=steps["value"], measure=steps["kind"],
                                 connector={"line": {"color": "#999999"}},
                                 texttemplate="%{delta:,.0f}"))
    levels = _waterfall_levels(steps)
    if levels:
        lo, hi = min(levels), max(levels)
        pad = max((hi - lo) * 0.3, abs(hi) * 0.01, 1.0)
        fig.update_yaxes(range=[max(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad])
    return _layout(fig, title, f"cost, {currency}", height=420)


def _waterfall_levels(steps: pd.DataFrame) -> list[float]:
    """Running totals the waterfall's bars reach (so the axis can zoom onto the changes)."""
    level, out = 0.0, []
    for value, kind in zip(steps["value"], steps["kind"], strict=True):
        if kind == "relative":
            out.append(level)
            level += float(value)
        elif kind == "absolute":
            level = float(value)
        out.append(level)
    return out
