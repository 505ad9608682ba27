"""Why a plan looks like it does, in sentences: uncovered work with its reasons, and the
limits that bind with what loosening each would save (the optimiser's explanations,
:mod:`planning.optimise.explain`, written for a reader)."""

from __future__ import annotations

import pandas as pd

from planning.reports import formats as f

#: a binding limit "moves cost materially" when loosening it by one unit saves at least this
#: share of the plan's total cost
MATERIAL_SHARE = 5e-5


def shortfall_sentences(shortfall: pd.DataFrame) -> list[str]:
    """One sentence per market and queue with uncovered requirement, with the reasons."""
    out = []
    if shortfall is None or shortfall.empty:
        return out
    for (m, q), g in shortfall.groupby(["market", "queue"], sort=True):
        weeks = pd.to_datetime(g["week"])
        reasons = "; ".join(dict.fromkeys(r for rs in g.get("reason", pd.Series(dtype=str))
                                          .dropna() for r in str(rs).split("; ")))
        out.append(f"**{m} / {q}**: {g['fte'].sum():,.1f} FTE-weeks short in {len(g)} week(s) "
                   f"({f.day(weeks.min())} to {f.day(weeks.max())}). "
                   f"Why: {reasons or 'no reason recorded'}.")
    return out


def _saving(r) -> float:
    return max(float(r.saving_fixed_hires or 0.0), float(r.saving_with_hiring or 0.0))


def binding_sentences(binding: pd.DataFrame, total_cost: float, currency: str
                      ) -> tuple[list[str], list[str]]:
    """Sentences for the limits that bind, as (material, minor): a limit is material when
    loosening it by one unit saves at least :data:`MATERIAL_SHARE` of ``total_cost``.
    Material ones come largest saving first."""
    if binding is None or binding.empty:
        return [], []
    floor = MATERIAL_SHARE * abs(float(total_cost or 0.0))
    rows = sorted(binding.itertuples(index=False), key=lambda r: -_saving(r))
    material, minor = [], []
    for r in rows:
        who = f" for {r.subject}" if r.subject else ""
        save = (f"loosening it by one unit ({r.unit}) saves about "
                f"{f.money(r.saving_fixed_hires, currency)} with this hiring plan, "
                f"{f.money(r.saving_with_hiring, currency)} if hiring may change too")
        line = f"**{r.what}**{who}, {r.period}: binds in {r.binding_weeks} week(s); {save}."
        (material if _saving(r) >= floor and _saving(r) > 0 else minor).append(line)
    return material, minor
