"""The PuLP model handed to HiGHS in one call, and the solution read back.

PuLP's own HiGHS interface adds one column and one row at a time (about as slow as the LP
solve itself at 200 markets x 104 weeks); here the whole matrix goes over as numpy arrays
through ``Highs.passModel``. Columns and rows keep PuLP's order (variables sorted by name,
rows in the order they were added), so HiGHS sees exactly the model PuLP would have passed
and breaks ties the same way. HiGHS names are the readable ones, e.g.
``starts[SG][2027-01-04]`` and ``cover[ID][listing_review][2027-01-04]``.

HiGHS prints a banner ("Running HiGHS ...") the first time a solver object is made in a
process, whatever its options; :func:`new_highs` keeps it off the terminal unless verbose.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from dataclasses import dataclass, field

import numpy as np
import pulp

try:
    import highspy
except ImportError:  # reported as a plan with status error by planning.optimise.solve
    highspy = None

from planning.optimise.build import Model

_banner_done = False


def _flush_c_stdout() -> None:
    with contextlib.suppress(OSError, AttributeError):  # no C library to flush here
        ctypes.CDLL(None).fflush(None)


def new_highs(verbose: bool = False) -> highspy.Highs:
    """A HiGHS solver object, silent unless ``verbose`` (then HiGHS logs to stdout)."""
    global _banner_done
    if _banner_done or verbose:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            h = highspy.Highs()
            _flush_c_stdout()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
    _banner_done = True
    h.setOptionValue("output_flag", bool(verbose))
    return h


@dataclass
class Solver:
    """A model loaded into HiGHS: the live solver object and where each PuLP variable and
    row is in it.

    cols: PuLP variables in HiGHS column order; col_of: {id(variable): column};
    row_of: {id(row): row}; integer: columns that are integer in the MIP;
    lower, upper: the model's own column bounds (to restore after fixing columns);
    row_lower, row_upper: the rows' bounds as loaded.
    """

    highs: highspy.Highs
    cols: list[pulp.LpVariable]
    col_of: dict[int, int]
    row_of: dict[int, int]
    integer: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    verbose: bool = False
    extra: dict = field(default_factory=dict)

    def row(self, con: pulp.LpConstraint) -> int:
        return self.row_of[id(con)]

    def col(self, var: pulp.LpVariable) -> int:
        return self.col_of[id(var)]

    def set_integer(self, on: bool) -> None:
        """Integer columns integer (a MIP) or continuous (its LP relaxation)."""
        idx = np.flatnonzero(self.integer).astype(np.int32)
        if len(idx):
            kind = np.full(len(idx), 1 if on else 0, dtype=np.uint8)
            self.highs.changeColsIntegrality(len(idx), idx, kind)

    def set_bounds(self, idx: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        idx = np.asarray(idx, dtype=np.int32)
        if len(idx):
            self.highs.changeColsBounds(len(idx), idx, np.asarray(lower, dtype=float),
                                        np.asarray(upper, dtype=float))

    def restore_bounds(self, idx: np.ndarray) -> None:
        self.set_bounds(idx, self.lower[idx], self.upper[idx])


def load(model: Model, *, mip: bool, verbose: bool = False) -> Solver:
    """Pass the model to a new HiGHS object (one call); mip: keep integer columns integer."""
    prob = model.prob
    inf = highspy.kHighsInf
    variables = prob.variables()  # PuLP's column order: every variable in use, by name
    col_of = {id(v): j for j, v in enumerate(variables)}
    n = len(variables)
    obj = prob.objective or pulp.LpAffineExpression()
    cost = np.zeros(n)
    for v, a in obj.items():
        cost[col_of[id(v)]] = a
    lower = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], dtype=float)
    upper = np.array([inf if v.upBound is None else v.upBound for v in variables], dtype=float)
    integer = np.array([v.cat == pulp.LpInteger for v in variables], dtype=bool)
    rows = list(prob._constraints.values())
    row_lo = np.empty(len(rows))
    row_up = np.empty(len(rows))
    counts = np.zeros(len(rows) + 1, dtype=np.int64)
    index: list[int] = []
    value: list[float] = []
    for i, con in enumerate(rows):
        index.extend([col_of[id(v)] for v in con])
        value.extend(con.values())
        counts[i + 1] = len(con)
        lb, ub = con.getLb(), con.getUb()
        row_lo[i] = -inf if lb is None else lb
        row_up[i] = inf if ub is None else ub
    index_a, value_a = np.asarray(index, dtype=np.int32), np.asarray(value, dtype=float)
    keep = value_a != 0   # PuLP passes no zero coefficients either
    row_of_entry = np.repeat(np.arange(len(rows)), counts[1:])
    start = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum(np.bincount(row_of_entry[keep], minlength=len(rows)), out=start[1:])
    index_a, value_a = index_a[keep], value_a[keep]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(rows)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
    lp.row_lower_, lp.row_upper_ = row_lo, row_up
    lp.offset_ = float(obj.constant)
    matrix = highspy.HighsSparseMatrix()
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.num_col_, matrix.num_row_ = n, len(rows)
    matrix.start_ = start
    matrix.index_ = index_a
    matrix.value_ = value_a
    lp.a_matrix_ = matrix
    if mip and integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in integer]
    names = model.names
    lp.col_names_ = [names.get(id(v)) or v.name for v in variables]
    lp.row_names_ = [names.get(id(c)) or c.name for c in rows]
    h = new_highs(verbose)
    h.passModel(lp)
    return Solver(h, variables, col_of, {id(c): i for i, c in enumerate(rows)},
                  integer if mip else np.zeros(n, dtype=bool), lower, upper, row_lo, row_up, verbose)


def write_values(solver: Solver, col_value: np.ndarray) -> None:
    """Put column values on the PuLP variables (what :mod:`planning.optimise.extract` reads)."""
    for v, x in zip(solver.cols, col_value.tolist(), strict=True):
        v.varValue = x
