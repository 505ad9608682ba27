"""Per-language moderation staffing for transparency reports (EU Digital Services Act).

Very large online platforms publish, per official EU language, the human resources
dedicated to content moderation. This module reads them off an optimised plan:

- ``inhouse_fte``: in-house FTE the plan assigns to the market's work (the allocation of
  the sites, as in the plan's quarterly table);
- ``vendor_contracted_fte``: vendor reviewers' FTE on the market's work. The optimiser counts
  vendor capacity in in-house-equivalent FTE (contracted FTE / aht_factor); a transparency
  report counts people, so the allocation is multiplied back by the vendor's aht_factor.

Both are weekly averages over the quarter's planned weeks (a week belongs to the quarter of
its Monday). Headcount that the plan does not assign to a market (new starts still ramping,
spare capacity, vendor FTE above what is allocated) has no language and is not in the table.
A market is an EU market when its code is an EU member state (ISO 3166 alpha-2, with GR or
EL for Greece); GB is not (the UK left the EU in 2020). See docs/compliance.md.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from planning.inputs.tables import Inputs
from planning.periods import quarter_labels
from planning.risk.simulate import check_allocation

#: the 27 EU member states (ISO 3166-1 alpha-2; Greece also as EL, the EU's own code)
EU_MEMBERS = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "EL", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
})

COLUMNS = ["quarter", "market", "eu_market", "language", "inhouse_fte", "vendor_contracted_fte",
           "total_fte"]


def compliance_table(inputs: Inputs, allocation: pd.DataFrame) -> pd.DataFrame:
    """FTE per quarter, market and language, split in-house / vendor (columns :data:`COLUMNS`).

    allocation: the plan's rows {pool, pool_type, market, queue, week, fte}; pool_type is
    ``site`` or ``vendor`` (derived from the sites table when the column is absent).
    Every market of the inputs appears in every planned quarter (0 when nothing is assigned).
    """

    check_allocation(allocation)
    weeks = inputs.plan_weeks()
    week_q = pd.Series(quarter_labels(weeks).to_numpy(), index=weeks)
    n_weeks = week_q.value_counts()
    factor = {}
    if inputs.vendors is not None:
        factor = dict(zip(inputs.vendors["vendor"].astype(str),
                          inputs.vendors["aht_factor"].fillna(1.0).astype(float), strict=True))
    sites = set(inputs.sites["site"].astype(str)) if inputs.sites is not None else set()
    alloc = allocation.copy()
    if len(alloc):
        alloc["week"] = pd.to_datetime(alloc["week"])
        alloc = alloc[alloc["week"].isin(weeks)]
        if "pool_type" not in alloc.columns:
            alloc["pool_type"] = ["site" if p in sites else "vendor" for p in alloc["pool"]]
        alloc["quarter"] = alloc["week"].map(week_q)
        vendor = alloc["pool_type"] == "vendor"
        alloc["inhouse_fte"] = alloc["fte"].where(~vendor, 0.0)
        alloc["vendor_contracted_fte"] = (alloc["fte"] * alloc["pool"].map(factor).fillna(1.0)
                                          ).where(vendor, 0.0)
        sums = alloc.groupby(["quarter", "market"])[["inhouse_fte", "vendor_contracted_fte"]].sum()
    else:
        sums = pd.DataFrame(columns=["inhouse_fte", "vendor_contracted_fte"])
    markets = inputs.markets[["market", "language"]].astype(str)
    grid = pd.MultiIndex.from_product([list(dict.fromkeys(week_q)), markets["market"]],
                                      names=["quarter", "market"])
    out = sums.reindex(grid, fill_value=0.0).reset_index()
    out[["inhouse_fte", "vendor_contracted_fte"]] = out[
        ["inhouse_fte", "vendor_contracted_fte"]].astype(float).div(
        out["quarter"].map(n_weeks).astype(float), axis=0)
    out = out.merge(markets, on="market", how="left")
    out["eu_market"] = out["market"].str.upper().isin(EU_MEMBERS)
    out["total_fte"] = out["inhouse_fte"] + out["vendor_contracted_fte"]
    return out[COLUMNS].sort_values(["quarter", "language", "market"], ignore_index=True)


def by_language(table: pd.DataFrame) -> pd.DataFrame:
    """Per quarter and language: in-house, vendor and total FTE, and the part on EU markets."""
    t = table.assign(eu_fte=table["total_fte"].where(table["eu_market"], 0.0))
    cols = ["inhouse_fte", "vendor_contracted_fte", "total_fte", "eu_fte"]
    return t.groupby(["quarter", "language"], as_index=False)[cols].sum()


def eu_markets(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of EU markets only (per quarter, EU market and language)."""
    return table[table["eu_market"]].drop(columns="eu_market").reset_index(drop=True)


def notes(table: pd.DataFrame) -> list[str]:
    """Plain-language notes printed with the report (which markets count as EU and why)."""
    markets = sorted(table["market"].unique())
    eu = sorted(table.loc[table["eu_market"], "market"].unique())
    lines = [f"EU markets in these inputs: {', '.join(eu) if eu else 'none'} "
             f"(of {', '.join(markets)}).",
             "FTE are weekly averages over each quarter's planned weeks; vendor FTE are "
             "contracted reviewers (allocation x aht_factor).",
             "Headcount not assigned to a market (ramping starts, spare capacity) is not "
             "attributed to a language."]
    if "GB" in markets:
        lines.insert(1, "GB is not an EU market (the United Kingdom left the EU in 2020).")
    return lines


def _write(table: pd.DataFrame, target) -> None:
    # text that starts like a formula (a market named "=cmd|...") stays text, not a formula
    with pd.ExcelWriter(target, engine="xlsxwriter", engine_kwargs={"options": {
            "strings_to_formulas": False, "strings_to_urls": False}}) as xl:
        by_language(table).to_excel(xl, sheet_name="by_language", index=False)
        eu_markets(table).to_excel(xl, sheet_name="eu_markets", index=False)
        table.to_excel(xl, sheet_name="detail", index=False)
        pd.DataFrame({"note": notes(table)}).to_excel(xl, sheet_name="notes", index=False)


def write_compliance_xlsx(table: pd.DataFrame, path: str | Path) -> Path:
    """Workbook with sheets: by_language, eu_markets, detail, notes."""
    path = Path(path)
    _write(table, path)
    return path


def compliance_xlsx_bytes(table: pd.DataFrame) -> bytes:
    """The same workbook in memory (for a download button)."""
    buf = io.BytesIO()
    _write(table, buf)
    return buf.getvalue()
