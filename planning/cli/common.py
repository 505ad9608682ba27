"""What every ``headcount`` command shares: exit statuses and printing input warnings."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def print_warnings(inputs: object) -> None:
    """Print an input set's (or a stage result's) warnings on stderr, one line each."""
    for issue in getattr(inputs, "warnings", ()):
        print(issue.message(), file=sys.stderr)
