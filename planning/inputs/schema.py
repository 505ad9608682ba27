"""The input contract: every table, its columns, types, defaults, bounds and units.

One declaration serves the loader, the validator, the empty template workbook and the docs,
so a column means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from planning.units import MAX_MULTIPLIER

Kind = Literal["str", "float", "int", "bool", "date", "list_str", "list_float"]


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    kind: how the cell is parsed; ``list_*`` cells hold ``;``-separated values.
    required: the column must be present (a value may still be blank if ``default`` is set).
    default: value used for a missing column or a blank cell; None means "no value" (NaN).
    low/high: inclusive bounds; low_open/high_open make them strict.
    note: units and meaning, shown in the template's notes row and in the docs.
    """

    name: str
    kind: Kind
    required: bool = True
    default: Any = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] | None = None
    note: str = ""

    def expected(self) -> str:
        """Words for what a valid value of this column is."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        parts = {
            "str": "text",
            "float": "a number",
            "int": "a whole number",
            "bool": "true or false",
            "date": "a date YYYY-MM-DD",
            "list_str": "a ;-separated list",
            "list_float": "a ;-separated list of numbers",
        }[self.kind]
        bounds = []
        if self.low is not None:
            bounds.append(f"{'>' if self.low_open else '>='} {_fmt(self.low)}")
        if self.high is not None:
            bounds.append(f"{'<' if self.high_open else '<='} {_fmt(self.high)}")
        return parts + (" " + " and ".join(bounds) if bounds else "")


@dataclass(frozen=True)
class Table:
    """One input table: its columns and the columns that identify a row."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


SHARE = {"low": 0.0, "high": 1.0}

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "markets",
            (
                Column("market", "str", note="market code, e.g. ID, GB, US"),
                Column("language", "str", note="language its cases are reviewed in, e.g. id, en"),
                Column("min_inhouse_share", "float", False, 0.0, **SHARE,
                       note="floor on the in-house share of delivered FTE, 0-1"),
            ),
            ("market",),
            "Markets and the language their cases are reviewed in.",
        ),
        Table(
            "queues",
            (
                Column("queue", "str", note="queue name, e.g. listing_review"),
                Column("kind", "str", choices=("deferrable", "realtime"),
                       note="deferrable (backlog with deadline) or realtime (Erlang)"),
                Column("aht_minutes", "float", low=0, low_open=True,
                       note="average handling time per case, minutes"),
                Column("tat_hours", "float", False, None, low=0,
                       note="turnaround deadline in hours (deferrable queues)"),
                Column("sla_target", "float", False, None, low=0, high=1, low_open=True,
                       note="share of work within the deadline / answered within answer_seconds, (0,1]"),
                Column("answer_seconds", "float", False, None, low=0,
                       note="answer-time threshold in seconds (realtime queues)"),
                Column("patience_seconds", "float", False, None, low=0, low_open=True,
                       note="mean patience before abandoning, seconds; given = Erlang A"),
                Column("max_abandon", "float", False, 0.05, **SHARE,
                       note="highest share of abandoned contacts, 0-1 (Erlang A)"),
                Column("inhouse_only", "bool", False, False,
                       note="true: vendors may not see this work"),
                Column("automation_rate", "float", False, 0.0, **SHARE,
                       note="share of cases closed by automated moderation, 0-1"),
                Column("max_exposure_share", "float", False, None, low=0, high=1, low_open=True,
                       note="wellness limit: highest share of a pool's productive time on this "
                            "queue, (0,1]; blank = no limit"),
            ),
            ("queue",),
            "Work queues: deadline (deferrable) or live (realtime) work.",
        ),
        Table(
            "market_queues",
            (
                Column("market", "str", note="market code"),
                Column("queue", "str", note="queue name"),
                Column("aht_minutes", "float", False, None, low=0, low_open=True,
                       note="overrides the queue's aht_minutes for this market"),
                Column("automation_rate", "float", False, None, **SHARE,
                       note="overrides the queue's automation_rate for this market, 0-1"),
            ),
            ("market", "queue"),
            "Optional per-market overrides of queue values.",
        ),
        Table(
            "volumes",
            (
                Column("market", "str", note="market code"),
                Column("queue", "str", note="queue name"),
                Column("date", "date", note="day, YYYY-MM-DD"),
                Column("cases", "float", low=0, note="cases arriving that day, before automation"),
            ),
            ("market", "queue", "date"),
            "Daily history of cases arriving.",
        ),
        Table(
            "events",
            (
                Column("date", "date", note="day of the event, YYYY-MM-DD"),
                Column("name", "str", note="event name, e.g. 11.11, black_friday, ramadan"),
                Column("market", "str", False, "*", note="market code, * for all markets"),
                Column("uplift", "float", False, None, low=0, high=MAX_MULTIPLIER,
                       note="known volume multiplier; blank = learnt from history"),
            ),
            ("date", "name", "market"),
            "Sale and surge days.",
        ),
        Table(
            "intraday",
            (
                Column("queue", "str", note="realtime queue name"),
                Column("hour", "int", low=0, high=23, note="hour of day 0-23"),
                Column("share", "float", **SHARE, note="share of the day's cases in this hour; sums to 1"),
            ),
            ("queue", "hour"),
            "Share of a day's cases per hour for realtime queues.",
        ),
        Table(
            "sites",
            (
                Column("site", "str", note="in-house site name"),
                Column("languages", "list_str", note="languages its moderators review, ;-separated"),
                Column("headcount", "float", low=0, note="today's headcount, FTE"),
                Column("cost_per_fte_month", "float", low=0, note="fully loaded cost of one FTE per month"),
                Column("hire_cost", "float", False, 0.0, low=0, note="one-off cost of one start"),
                Column("attrition_month", "float", False, 0.0, low=0, high=1, high_open=True,
                       note="share of headcount leaving per month, 0-1"),
                Column("max_headcount", "float", False, None, low=0, note="cap on headcount, FTE; blank = none"),
                Column("max_starts_week", "float", False, None, low=0, note="cap on starts per week; blank = none"),
                Column("lead_weeks", "int", False, 0, low=0, note="weeks from requisition to first day"),
                Column("ramp", "list_float", False, (), low=0, high=1,
                       note="productivity of a new start in week 1;2;... (0-1), 1 after"),
                Column("overtime_max_share", "float", False, 0.0, **SHARE,
                       note="overtime allowed per week as a share of productive headcount, 0-1; "
                            "0 = no overtime"),
                Column("overtime_premium", "float", False, 1.5, low=1, high=MAX_MULTIPLIER,
                       note="cost of an overtime FTE-week as a multiple of the weekly cost, >= 1"),
            ),
            ("site",),
            "In-house moderation hubs.",
        ),
        Table(
            "vendors",
            (
                Column("vendor", "str", note="outsourcing (BPO) partner name"),
                Column("languages", "list_str", note="languages it reviews, ;-separated"),
                Column("price_per_fte_month", "float", low=0, note="price of one contracted FTE per month"),
                Column("min_fte", "float", False, 0.0, low=0, note="contract minimum FTE per quarter"),
                Column("max_fte", "float", False, None, low=0, note="contract maximum FTE; blank = none"),
                Column("markets", "list_str", False, ("*",), note="markets it may serve, ;-separated, * = all"),
                Column("aht_factor", "float", False, 1.0, low=0, low_open=True, high=MAX_MULTIPLIER,
                       note="handling-time factor; > 1 means slower than in-house"),
            ),
            ("vendor",),
            "Outsourcing partners.",
        ),
        Table(
            "vendor_surge",
            (
                Column("vendor", "str", note="vendor name (from the vendors table)"),
                Column("week", "date", note="Monday of the week the surge capacity is offered"),
                Column("max_fte", "float", low=0, note="most surge FTE the vendor can add that week"),
                Column("price_per_fte_week", "float", False, None, low=0,
                       note="price of one surge FTE for that week; blank = premium x weekly price"),
                Column("premium", "float", False, 1.5, low=0, low_open=True, high=MAX_MULTIPLIER,
                       note="multiple of the vendor's weekly price (price_per_fte_month x 12/52) "
                            "when price_per_fte_week is blank"),
            ),
            ("vendor", "week"),
            "Optional extra vendor capacity for chosen weeks (sale events), on top of the contract.",
        ),
        Table(
            "forecast",
            (
                Column("market", "str", note="market code"),
                Column("queue", "str", note="queue name"),
                Column("date", "date", note="day, YYYY-MM-DD"),
                Column("p50", "float", low=0, note="median forecast cases; add p10, p90 or any pNN"),
            ),
            ("market", "queue", "date"),
            "Optional daily forecast that replaces the forecast stage.",
        ),
        Table(
            "requirements",
            (
                Column("market", "str", note="market code"),
                Column("queue", "str", note="queue name"),
                Column("week", "date", note="Monday of the week, YYYY-MM-DD"),
                Column("required_fte", "float", low=0, note="productive FTE required that week"),
            ),
            ("market", "queue", "week"),
            "Optional requirement table that replaces forecast and requirements.",
        ),
        Table(
            "actual_queues",
            (
                Column("market", "str", note="market code"),
                Column("queue", "str", note="queue name"),
                Column("week", "date", note="Monday of the week, YYYY-MM-DD"),
                Column("cases", "float", low=0, note="cases received that week, before automation"),
                Column("automated_cases", "float", False, 0.0, low=0,
                       note="cases closed by automated moderation that week"),
                Column("manual_cases_closed", "float", False, None, low=0,
                       note="cases closed by moderators that week"),
                Column("aht_minutes", "float", False, None, low=0, low_open=True,
                       note="average handling time achieved, minutes per manual case"),
                Column("sla_share", "float", False, None, **SHARE,
                       note="share of cases within the deadline / answered in time, 0-1"),
            ),
            ("market", "queue", "week"),
            "Optional weekly actuals per market and queue (plan versus actual).",
        ),
        Table(
            "actual_sites",
            (
                Column("site", "str", note="in-house site name"),
                Column("week", "date", note="Monday of the week, YYYY-MM-DD"),
                Column("headcount", "float", low=0, note="headcount at the end of the week, FTE"),
                Column("starts", "float", False, 0.0, low=0, note="new starts that week"),
                Column("leavers", "float", False, 0.0, low=0, note="leavers that week"),
                Column("productive_hours", "float", low=0,
                       note="hours available for case work after shrinkage (leave, training ...)"),
                Column("handled_hours", "float", False, None, low=0,
                       note="hours spent handling cases; blank = occupancy not measured"),
            ),
            ("site", "week"),
            "Optional weekly actuals per in-house site (plan versus actual).",
        ),
        Table(
            "actual_vendors",
            (
                Column("vendor", "str", note="outsourcing (BPO) partner name"),
                Column("week", "date", note="Monday of the week, YYYY-MM-DD"),
                Column("delivered_fte", "float", low=0, note="FTE the vendor delivered that week"),
                Column("invoiced_cost", "float", False, None, low=0,
                       note="cost invoiced for that week, currency"),
            ),
            ("vendor", "week"),
            "Optional weekly actuals per vendor (plan versus actual).",
        ),
        Table(
            "committed_starts",
            (
                Column("site", "str", note="in-house site name"),
                Column("week", "date", note="Monday of the start week, YYYY-MM-DD"),
                Column("starts", "float", low=0,
                       note="hires already in the pipeline: the plan starts at least these"),
            ),
            ("site", "week"),
            "Optional hires already committed (a re-plan): inside the lead time, exactly these.",
        ),
        Table(
            "signed_vendor_fte",
            (
                Column("vendor", "str", note="outsourcing (BPO) partner name"),
                Column("quarter", "str", note="calendar quarter, e.g. 2027Q1"),
                Column("fte", "float", low=0, note="contracted FTE already signed for the quarter"),
            ),
            ("vendor", "quarter"),
            "Optional vendor contracts already signed (a re-plan): the plan buys exactly these.",
        ),
        Table(
            "forecast_overrides",
            (
                Column("market", "str", note="market code, or * for every market"),
                Column("queue", "str", False, "",
                       note="queue name; blank = every queue of the market"),
                Column("start", "date", note="first day the override applies, YYYY-MM-DD"),
                Column("end", "date", note="last day the override applies (inclusive), YYYY-MM-DD"),
                Column("multiplier", "float", False, None, low=0, high=MAX_MULTIPLIER,
                       note="scale every forecast quantile by this (1.3 = 30% more cases)"),
                Column("cases_per_day", "float", False, None, low=0,
                       note="instead of a multiplier: cases a day (sets P50; needs a queue)"),
                Column("p10", "float", False, None, low=0,
                       note="with cases_per_day: its own P10 (else the model's relative band)"),
                Column("p90", "float", False, None, low=0,
                       note="with cases_per_day: its own P90 (else the model's relative band)"),
                Column("reason", "str", note="why: what the history cannot show"),
                Column("author", "str", False, "", note="who decided it"),
            ),
            ("market", "queue", "start"),
            "Optional planner judgement applied to the forecast before requirements.",
        ),
    )
}

#: Tables every run needs; the rest are needed only by the stage that reads them.
ALWAYS_REQUIRED = ("markets", "queues")

SCENARIO_SHEET = "scenario"
