"""What every ``headcount`` command shares: exit statuses, printing warnings, the forecast."""

from __future__ import annotations

import sys

import pandas as pd

from planning.inputs.tables import Inputs
from planning.pipeline import forecast_result, forecast_table

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def print_warnings(inputs: object) -> None:
    """Print an input set's (or a stage result's, or a pipeline run's) warnings on stderr,
    one line each."""
    for issue in getattr(inputs, "warnings", ()):
        print(issue.message(), file=sys.stderr)


def staffed_forecast(inputs: Inputs) -> pd.DataFrame | None:
    """The forecast the plan is staffed from, forecast overrides applied (None when the
    inputs bring a requirements table), its warnings printed on stderr; through the forecast
    cache in force."""
    return staffed_forecasts(inputs)[1]


def staffed_forecasts(inputs: Inputs) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(the model's forecast, the forecast as staffed with overrides applied), as
    :func:`staffed_forecast`; (None, None) when the inputs bring a requirements table."""
    if inputs.requirements is not None:
        return None, None
    made = forecast_result(inputs)
    print_warnings(made)
    return made.forecast, forecast_table(inputs, made.forecast)
