"""What every ``headcount`` command shares: exit statuses, printing warnings, the forecast."""

from __future__ import annotations

import sys

import pandas as pd

from planning.inputs.tables import Inputs
from planning.pipeline import forecast_result

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def print_warnings(inputs: object) -> None:
    """Print an input set's (or a stage result's, or a pipeline run's) warnings on stderr,
    one line each."""
    for issue in getattr(inputs, "warnings", ()):
        print(issue.message(), file=sys.stderr)


def staffed_forecast(inputs: Inputs) -> pd.DataFrame | None:
    """The forecast the plan is staffed from (None when the inputs bring a requirements
    table), its warnings printed on stderr; through the forecast cache in force."""
    if inputs.requirements is not None:
        return None
    made = forecast_result(inputs)
    print_warnings(made)
    return made.forecast
